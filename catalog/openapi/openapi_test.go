package openapi

import (
	"context"
	"errors"
	"fmt"
	"github.com/porticohq/portico/catalog/openapi/openapitest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatalf("read %s: %v", name, err)
	}
	return data
}

func TestParseRendersEveryOperation(t *testing.T) {
	tests := []struct {
		file    string
		format  string
		minOps  int
		servers int
	}{
		{"swagger2.yaml", "swagger-2.0", 3, 1},
		{"oas30.json", "openapi-3.0.3", 3, 2},
		{"oas31.yaml", "openapi-3.1.0", 2, 1},
		{"threescale_account_management.json", "openapi-3.1", 50, 0}, // 3scale's Account Management API
		{"cyclic.yaml", "openapi-3.0.3", 2, 0},
		{"xss.yaml", "openapi-3.0.3", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			checkEveryOperation(t, readTestdata(t, tt.file), tt.format, tt.minOps)
		})
	}
	t.Run("github", func(t *testing.T) {
		checkEveryOperation(t, openapitest.GitHubSpec(t), "openapi-3.0", 900)
	})
}

func checkEveryOperation(t *testing.T, data []byte, format string, minOps int) {
	t.Helper()
	sum, err := Summarize(data)
	if err != nil {
		t.Fatalf("Summarize: %v", err)
	}
	if !strings.HasPrefix(sum.Format, format) {
		t.Errorf("format = %q, want prefix %q", sum.Format, format)
	}
	if len(sum.Operations) < minOps {
		t.Fatalf("%d operations, want at least %d", len(sum.Operations), minOps)
	}
	want := openapitest.CountOperations(t, data)
	if len(sum.Operations) != want {
		t.Errorf("Summarize lists %d operations, the document has %d", len(sum.Operations), want)
	}
	def, err := Parse(context.Background(), data, nil, Limits{MaxBytes: 40 << 20})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := len(def.Keys()); got != want {
		t.Errorf("Parse indexes %d operations, the document has %d", got, want)
	}
	seen := map[string]bool{}
	for _, os := range sum.Operations {
		if seen[os.Key] {
			t.Errorf("duplicate key %q", os.Key)
		}
		seen[os.Key] = true
		op, ok := def.Operation(os.Key)
		if !ok {
			t.Errorf("operation %s %s (key %q) has no details", os.Method, os.Path, os.Key)
			continue
		}
		if op.Method != os.Method || op.Path != os.Path {
			t.Errorf("key %q: details for %s %s, summary says %s %s", os.Key, op.Method, op.Path, os.Method, os.Path)
		}
	}
}

func TestSwaggerConversion(t *testing.T) {
	def, err := Parse(context.Background(), readTestdata(t, "swagger2.yaml"), nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := def.Summary.Servers; len(got) != 1 || got[0].URL != "https://petstore.example.com/v2" {
		t.Errorf("servers = %+v", got)
	}
	op, ok := def.Operation("addPet")
	if !ok || op.RequestBody == nil || len(op.RequestBody.Contents) == 0 {
		t.Fatalf("addPet request body missing: %+v", op)
	}
	if ex := op.RequestBody.Contents[0].Example; !strings.Contains(ex, "doggie") {
		t.Errorf("generated example %q lacks the schema's example value", ex)
	}
	var basic bool
	for _, s := range def.Summary.SecuritySchemes {
		basic = basic || (s.Name == "basicAuth" && s.Type == "http" && s.Scheme == "basic")
	}
	if !basic {
		t.Errorf("basic auth scheme not converted: %+v", def.Summary.SecuritySchemes)
	}
}

func TestCyclicSchemasEndInCycleMarkers(t *testing.T) {
	def, err := Parse(context.Background(), readTestdata(t, "cyclic.yaml"), nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"listNodes", "createNode"} {
		op, ok := def.Operation(key)
		if !ok {
			t.Fatalf("%s missing", key)
		}
		if !hasCycle(op) {
			t.Errorf("%s: no cycle marker in its schema trees", key)
		}
	}
}

func hasCycle(op *Operation) bool {
	var walk func(n *SchemaNode) bool
	walk = func(n *SchemaNode) bool {
		if n == nil {
			return false
		}
		if n.Cycle {
			return true
		}
		for _, c := range n.Children {
			if walk(c) {
				return true
			}
		}
		return false
	}
	for _, r := range op.Responses {
		for _, c := range r.Contents {
			if walk(c.Schema) {
				return true
			}
		}
	}
	if op.RequestBody != nil {
		for _, c := range op.RequestBody.Contents {
			if walk(c.Schema) {
				return true
			}
		}
	}
	return false
}

func TestCacheRefusesOversizedDefinitionAtOnce(t *testing.T) {
	c := NewCache(CacheOptions{})
	data := bigSpec(50 << 20)
	_, err := c.Definition(context.Background(), Hash(data), data, nil)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if _, err := c.Summary(Hash(data), data); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("summary err = %v, want ErrTooLarge", err)
	}
}

func TestCacheReturnsStillLoadingThenTheResult(t *testing.T) {
	c := NewCache(CacheOptions{Limits: Limits{Timeout: time.Microsecond, MaxBytes: 40 << 20}})
	data := bigSpec(1 << 20)
	hash := Hash(data)
	_, err := c.Definition(context.Background(), hash, data, nil)
	if !errors.Is(err, ErrStillLoading) {
		t.Fatalf("err = %v, want ErrStillLoading", err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		def, err := c.Definition(context.Background(), hash, data, nil)
		if err == nil {
			if len(def.Keys()) == 0 {
				t.Fatal("no operations")
			}
			return
		}
		if !errors.Is(err, ErrStillLoading) {
			t.Fatalf("err = %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("load never finished")
}

func TestExternalRefsAreNeverFetched(t *testing.T) {
	for _, ref := range []string{"http://169.254.169.254/latest/meta-data", "/etc/passwd", "file:///etc/passwd", "other.yaml"} {
		spec := fmt.Sprintf(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":%q}}}}}}}}}`, ref+"#/Foo")
		_, err := Parse(context.Background(), []byte(spec), nil, Limits{})
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("$ref %s: err = %v, want a refusal", ref, err)
		}
	}
}

type mapReader map[string]string

func (m mapReader) ReadRelative(_ context.Context, target string) ([]byte, string, error) {
	s, ok := m[target]
	if !ok {
		return nil, "", fmt.Errorf("%s: not found", target)
	}
	return []byte(s), "mem:" + target, nil
}

func TestRelativeRefsResolveThroughTheReader(t *testing.T) {
	spec := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"operationId":"x","responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"schemas/pet.json#/Pet"}}}}}}}}}`
	r := mapReader{"schemas/pet.json": `{"Pet":{"type":"object","properties":{"name":{"type":"string"}}}}`}
	def, err := Parse(context.Background(), []byte(spec), r, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	op, _ := def.Operation("x")
	if got := op.Responses[0].Contents[0].Schema; got == nil || len(got.Children) != 1 || got.Children[0].Name != "name" {
		t.Errorf("schema from sibling file not resolved: %+v", got)
	}
}

// bigSpec builds a valid OpenAPI 3 JSON document of about size bytes.
func bigSpec(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.3","info":{"title":"big","version":"1"},"paths":{`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"/r%d/{id}":{"get":{"operationId":"op%d","summary":"operation number %d with a long summary to take some room","parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}}}}}}}`, i, i, i)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}
