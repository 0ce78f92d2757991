package threescale

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers"
)

func tenant(id, baseURL string) Config {
	return Config{ID: id, BaseURL: baseURL, AccessToken: testToken, SystemLabel: "sys-" + id, OwnerLabel: "team-" + id,
		Schedule: providers.Schedule{Frequency: time.Hour, InitialDelay: time.Hour, Timeout: 20 * time.Second}, Safety: providers.DefaultSafety()}
}

func TestThreeTenantsYieldTheExpectedEntities(t *testing.T) {
	big := newFake(t, 1200)
	small := newFake(t, 2)
	mixed := newFake(t, 7)
	// mixed: service 1 Swagger 2.0, service 2 two docs merged, service 3 no
	// docs, service 4 Swagger 1.2, service 5 malformed body, service 6 a bad
	// name, service 7 an OpenAPI 3 body kept as it is.
	mixed.docs[0]["body"] = swagger2
	mixed.docs = append(mixed.docs, map[string]any{"id": 2500, "system_name": "doc-2b", "service_id": 2,
		"body": `{"openapi":"3.0.1","info":{"title":"b","version":"1"},"paths":{"/extra":{"post":{"responses":{"201":{"description":"made"}}}}}}`})
	mixed.docs[2]["service_id"] = nil
	mixed.docs[3]["body"] = `{"swaggerVersion":"1.2","apis":[]}`
	mixed.docs[4]["body"] = `{"openapi": "3.0.0", "paths": {`
	mixed.services[5]["system_name"] = "Bad Name!"

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx := context.Background()
	results := map[string]catalog.Mutation{}
	for id, f := range map[string]*fake3scale{"dev": big, "prod": small, "stage": mixed} {
		m, err := New(tenant(id, f.srv.URL), nil, log).Run(ctx)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		results[id] = m
	}

	// 1,200 services over 3 pages: none missing, no duplicates, pages 1..3.
	dev := results["dev"]
	names := map[string]bool{}
	for _, e := range dev.Entities {
		if names[e.Entity.Metadata.Name] {
			t.Fatalf("duplicate %s", e.Entity.Metadata.Name)
		}
		names[e.Entity.Metadata.Name] = true
	}
	if len(names) != 1200 || !names["svc-1"] || !names["svc-1200"] {
		t.Fatalf("dev: %d entities", len(names))
	}
	if got := big.calls["/admin/api/services.json"]; got != 3 {
		t.Fatalf("services.json called %d times, want 3", got)
	}
	if got := big.calls["/admin/api/active_docs.json"]; got != 1 {
		t.Fatalf("active_docs.json called %d times, want 1", got)
	}

	e := results["prod"].Entities[0]
	base := small.srv.URL + "/apiconfig/services/1"
	want := catalog.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: catalog.Metadata{
		Name: "svc-1", Title: "Service 1", Description: "desc 1",
		Annotations: map[string]string{catalog.AnnotationManagedByLocation: "url:" + base, catalog.AnnotationManagedByOriginLocation: "url:" + base},
		Links: []catalog.Link{{URL: base, Title: "3scale Overview"},
			{URL: "https://staging-1.example.com:443", Title: "Staging Apicast Endpoint", Type: "endpoint"},
			{URL: "https://prod-1.example.com:443", Title: "Production Apicast Endpoint", Type: "endpoint"}},
	}, Spec: map[string]any{"type": "openapi", "lifecycle": "prod", "owner": "team-prod", "system": "sys-prod", "definition": oas3("/things1")}}
	gotJSON, _ := json.Marshal(e.Entity)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("entity\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if e.LocationKey != "ThreeScaleApiEntityProvider:prod" {
		t.Fatalf("location key %s", e.LocationKey)
	}

	stage := results["stage"]
	byName := map[string]catalog.Entity{}
	for _, d := range stage.Entities {
		byName[d.Entity.Metadata.Name] = d.Entity
	}
	if len(byName) != 3 || byName["svc-1"].Kind == "" || byName["svc-2"].Kind == "" || byName["svc-7"].Kind == "" {
		t.Fatalf("stage entities: %v", byName)
	}
	def := byName["svc-1"].Spec["definition"].(string)
	if !strings.Contains(def, `"openapi": "3.0.3"`) || !strings.Contains(def, "#/components/schemas/Pet") {
		t.Fatalf("Swagger 2.0 not converted: %s", def)
	}
	merged := byName["svc-2"].Spec["definition"].(string)
	if !strings.Contains(merged, "/things2") || !strings.Contains(merged, "/extra") || !strings.Contains(merged, `"title": "Service 2"`) {
		t.Fatalf("docs not merged: %s", merged)
	}
	failed := map[string]string{}
	for _, f := range stage.Failed {
		failed[f.Problems[0].Entity] = f.Problems[0].Message
	}
	for ref, msg := range map[string]string{"api:default/svc-4": "Swagger 1.2 docs are not supported", "api:default/svc-5": "not valid JSON", "api:default/Bad Name!": "not a valid entity name"} {
		if !strings.Contains(failed[ref], msg) {
			t.Fatalf("%s: problem %q, want %q (all: %v)", ref, failed[ref], msg, failed)
		}
	}
	if len(stage.Failed) != 3 {
		t.Fatalf("failed: %v", failed)
	}
	if mixed.calls["/admin/api/services/3/proxy.json"] != 0 {
		t.Fatal("proxy config read for a service without docs")
	}
	out := logs.String()
	// "Applying the mutation" is logged at apply time: TestFaultTable.
	for _, want := range []string{"Discovered ApiEntity svc-1", "Discovered ApiEntity svc-1200", "Discovered ApiEntity svc-7"} {
		if !strings.Contains(out, want) {
			t.Fatalf("logs lack %q", want)
		}
	}
	if strings.Contains(out, testToken) || strings.Contains(fmt.Sprint(results), testToken) || strings.Contains(out, "PROXY-SECRET") || strings.Contains(fmt.Sprint(results), "PROXY-SECRET") {
		t.Fatal("a secret leaked into logs or entities")
	}
}

// parse runs ParseConfig on catalog.providers.threeScaleApiEntity set to
// section.
func parse(section any) ([]Config, error) {
	root := config.New(map[string]any{"catalog": map[string]any{"providers": map[string]any{"threeScaleApiEntity": section}}})
	return ParseConfig(root.Sub("catalog.providers.threeScaleApiEntity"))
}

func TestParseConfig(t *testing.T) {
	cfgs, err := parse(map[string]any{
		"dev":  map[string]any{"baseUrl": "https://dev-admin.3scale.net/", "accessToken": "x", "schedule": map[string]any{"frequency": map[string]any{"minutes": 5}, "timeout": "PT1M"}},
		"prod": map[string]any{"baseUrl": "https://prod-admin.3scale.net", "accessToken": "y", "ownerLabel": "team", "allowLargeDeletions": true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 2 || cfgs[0].BaseURL != "https://dev-admin.3scale.net" || cfgs[0].Schedule.Frequency != 5*time.Minute ||
		cfgs[0].Schedule.Timeout != time.Minute || cfgs[1].Schedule.Frequency != 30*time.Minute || cfgs[1].Schedule.Timeout != 3*time.Minute ||
		cfgs[1].OwnerLabel != "team" || cfgs[1].SystemLabel != "3scale" || !cfgs[1].Safety.AllowLargeDeletions {
		t.Fatalf("configs = %+v", cfgs)
	}
	_, err = parse(map[string]any{"dev": map[string]any{"baseUrl": "https://x"}})
	if err == nil || !strings.Contains(err.Error(), "catalog.providers.threeScaleApiEntity.dev.accessToken") {
		t.Fatalf("err = %v", err)
	}
}
