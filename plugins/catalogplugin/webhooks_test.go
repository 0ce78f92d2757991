package catalogplugin_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
