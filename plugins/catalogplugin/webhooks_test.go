package catalogplugin_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog/apiwebhook"
	"github.com/porticohq/portico/defaults/defaultstest"
)

// TestWebhookToldOfABreakingGraphQLEdit runs a backend with a file
// location holding a GraphQL API and a webhook; removing a field from the
// schema on disk records a version, diffs it (GraphQL's structural diff)
// and sends one signed call describing the breaking change.
func TestWebhookToldOfABreakingGraphQLEdit(t *testing.T) {
	const secret = "webhook-secret-0123"
	var mu sync.Mutex
	var bodies [][]byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !apiwebhook.Verify(secret, body, r.Header.Get(apiwebhook.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
	}))
	defer rcv.Close()

	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: films}\n"+
		"spec: {type: graphql, lifecycle: production, owner: team-a, definition: {$text: ./schema.graphql}}\n")
	write("schema.graphql", "type Query {\n  film(id: ID!): String\n  films: [String]\n}\n")
	base := defaultstest.Start(t, fmt.Sprintf(`
catalog:
  locations: [{type: file, target: %s}]
apiDocs:
  history:
    webhookAllowAddresses: ['127.0.0.1']
    webhooks:
      - {url: %q, secret: %s, events: [breaking]}
`, filepath.Join(dir, "catalog-info.yaml"), rcv.URL+"/hook", secret))
	waitFor(t, func() bool { return versions(t, base) == 1 })

	write("schema.graphql", "type Query {\n  film(id: ID!): String\n}\n")
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(bodies) > 0 })
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d calls, want 1", len(bodies))
	}
	var p apiwebhook.Payload
	if err := json.Unmarshal(bodies[0], &p); err != nil {
		t.Fatal(err)
	}
	if p.Event != "breaking" || p.API.Ref != "api:default/films" || p.Counts.Breaking != 1 ||
		len(p.Breaking) != 1 || p.Breaking[0].ID != "graphql-field-removed" || p.To.SpecType != "graphql" {
		t.Errorf("payload: %s", bodies[0])
	}
}

func versions(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/api/apidocs/default/films/versions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return len(out.Items)
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWebhookToldOfAVersionWhoseDiffFails: a schema edited so that it no
// longer parses is a new version that cannot be diffed. The recorder tells
// no one of it; the delivery job finds it and tells every webhook — one
// subscribed to any change and one to breaking changes, since a failed
// diff cannot say the change does not break — with "breaking": null and
// the diff's error, once each.
func TestWebhookToldOfAVersionWhoseDiffFails(t *testing.T) {
	const secret = "webhook-secret-0123"
	var mu sync.Mutex
	bodies := map[string][][]byte{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !apiwebhook.Verify(secret, body, r.Header.Get(apiwebhook.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		bodies[r.URL.Path] = append(bodies[r.URL.Path], body)
		mu.Unlock()
	}))
	defer rcv.Close()

	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: films}\n"+
		"spec: {type: graphql, lifecycle: production, owner: team-a, definition: {$text: ./schema.graphql}}\n")
	write("schema.graphql", "type Query {\n  film(id: ID!): String\n}\n")
	base := defaultstest.Start(t, fmt.Sprintf(`
catalog:
  locations: [{type: file, target: %s}]
apiDocs:
  history:
    webhookAllowAddresses: ['127.0.0.1']
    webhooks:
      - {url: %q, secret: %s, events: [any]}
      - {url: %q, secret: %s, events: [breaking]}
`, filepath.Join(dir, "catalog-info.yaml"), rcv.URL+"/any", secret, rcv.URL+"/breaking", secret))
	waitFor(t, func() bool { return versions(t, base) == 1 })

	write("schema.graphql", "type Query {\n  film(id: ID!): String\n") // the closing brace is gone
	deadline := time.Now().Add(40 * time.Second)                       // the job polls every 10 s
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(bodies["/any"]) + len(bodies["/breaking"])
		mu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/any", "/breaking"} {
		if len(bodies[path]) != 1 {
			t.Fatalf("%s: %d calls, want 1", path, len(bodies[path]))
		}
		var p map[string]any
		if err := json.Unmarshal(bodies[path][0], &p); err != nil {
			t.Fatal(err)
		}
		diffErr, _ := p["diffError"].(string)
		if p["event"] != "diff-failed" || p["breaking"] != nil || p["counts"] != nil || diffErr == "" {
			t.Errorf("%s: payload %s", path, bodies[path][0])
		}
		if _, present := p["breaking"]; !present {
			t.Errorf("%s: the payload leaves out breaking instead of saying null", path)
		}
	}
	t.Logf("diff error told: %s", bodies["/any"][0])
}

// TestWebhookDeliveriesWithoutWebhooks: the README names the deliveries
// page and API whether or not webhooks are configured; with none (or with
// history off) the page says how to configure them and the API lists none.
func TestWebhookDeliveriesWithoutWebhooks(t *testing.T) {
	for name, cfg := range map[string]string{
		"none configured": "catalog: {locations: []}\n",
		"history off":     "apiDocs: {history: {enabled: false}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			base := defaultstest.Start(t, cfg)
			status, body := getBody(t, base+"/api/apidocs/webhooks/deliveries")
			if status != http.StatusOK || strings.TrimSpace(body) != `{"webhooks":[],"deliveries":[]}` {
				t.Errorf("API: %d %s, want 200 and empty lists", status, body)
			}
			status, body = getBody(t, base+"/providers/webhooks")
			if status != http.StatusOK || !strings.Contains(body, `data-testid="no-webhooks"`) || !strings.Contains(body, "apiDocs.history.webhooks") {
				t.Errorf("page: %d, want 200 saying how to configure webhooks\n%s", status, body)
			}
		})
	}
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
