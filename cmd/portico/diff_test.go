package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const diffOld = `openapi: 3.0.3
info: {title: Pets, version: "1.0"}
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        "200": {description: ok}
  /pets/{id}:
    delete:
      operationId: deletePet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: deleted}
`

// diffBreaking removes DELETE /pets/{id}; diffInfo only adds an operation;
// diffWarning removes the optional parameter (potentially breaking).
var (
	diffBreaking = strings.Replace(diffOld, `  /pets/{id}:
    delete:
      operationId: deletePet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: deleted}
`, "", 1)
	diffInfo = diffOld + `  /owners:
    get:
      responses:
        "200": {description: ok}
`
	diffWarning = strings.Replace(diffOld, "      parameters:\n        - {name: limit, in: query, schema: {type: integer}}\n", "", 1)
)

func writeDiffFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"old.yaml": diffOld, "breaking.yaml": diffBreaking, "info.yaml": diffInfo,
		"warning.yaml": diffWarning, "broken.yaml": "openapi: 3.0.3\npaths: [",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runDiff(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := diffCmd(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestDiffExitCodes(t *testing.T) {
	dir := writeDiffFiles(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no changes", []string{p("old.yaml"), p("old.yaml")}, 0},
		{"breaking", []string{p("old.yaml"), p("breaking.yaml")}, 1},
		{"breaking, flags after operands", []string{p("old.yaml"), p("breaking.yaml"), "--format", "json"}, 1},
		{"breaking, fail-on none", []string{"--fail-on", "none", p("old.yaml"), p("breaking.yaml")}, 0},
		{"info only", []string{p("old.yaml"), p("info.yaml")}, 0},
		{"info only, fail-on any", []string{"--fail-on", "any", p("old.yaml"), p("info.yaml")}, 1},
		{"info only, fail-on warning", []string{"--fail-on", "warning", p("old.yaml"), p("info.yaml")}, 0},
		{"warning, fail-on breaking", []string{p("old.yaml"), p("warning.yaml")}, 0},
		{"warning, fail-on warning", []string{"--fail-on", "warning", p("old.yaml"), p("warning.yaml")}, 1},
		{"no changes, fail-on any", []string{"--fail-on", "any", p("old.yaml"), p("old.yaml")}, 0},
		{"one operand", []string{p("old.yaml")}, 2},
		{"three operands", []string{p("old.yaml"), p("old.yaml"), p("old.yaml")}, 2},
		{"bad fail-on", []string{"--fail-on", "sometimes", p("old.yaml"), p("old.yaml")}, 2},
		{"bad format", []string{"--format", "xml", p("old.yaml"), p("old.yaml")}, 2},
		{"unknown flag", []string{"--colour", p("old.yaml"), p("old.yaml")}, 2},
		{"missing file", []string{p("old.yaml"), p("absent.yaml")}, 2},
		{"unreadable definition", []string{p("old.yaml"), p("broken.yaml")}, 2},
		{"against without entity", []string{"--against", p("old.yaml"), p("old.yaml"), p("old.yaml")}, 2},
		{"entity without url", []string{"--entity", "api:default/pets", "--against", p("old.yaml")}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runDiff(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.code, stderr)
			}
			if tt.code == 2 && !strings.HasPrefix(stderr, "portico diff:") && !strings.Contains(stderr, "usage:") {
				t.Errorf("stderr %q does not say what is wrong", stderr)
			}
		})
	}
}

func TestDiffErrorsNameTheFile(t *testing.T) {
	dir := writeDiffFiles(t)
	broken := filepath.Join(dir, "broken.yaml")
	_, _, stderr := runDiff(t, filepath.Join(dir, "old.yaml"), broken)
	if !strings.Contains(stderr, broken+": ") {
		t.Errorf("stderr %q does not name %s", stderr, broken)
	}
}

func TestDiffTextPutsBreakingFirst(t *testing.T) {
	dir := writeDiffFiles(t)
	both := strings.Replace(diffBreaking, "paths:\n", "paths:\n  /owners:\n    get:\n      responses:\n        \"200\": {description: ok}\n", 1)
	os.WriteFile(filepath.Join(dir, "both.yaml"), []byte(both), 0o644)
	code, out, _ := runDiff(t, filepath.Join(dir, "old.yaml"), filepath.Join(dir, "both.yaml"))
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	lines := strings.Split(out, "\n")
	if !strings.Contains(lines[0], "1 breaking, 0 warning, 1 info") {
		t.Errorf("summary line %q", lines[0])
	}
	del, get := strings.Index(out, "DELETE /pets/{id}"), strings.Index(out, "GET /owners")
	if del < 0 || get < 0 || del > get {
		t.Errorf("breaking DELETE /pets/{id} does not come before GET /owners:\n%s", out)
	}
	if !strings.Contains(out, "  breaking ") || !strings.Contains(out, "[api-path-removed-without-deprecation]") {
		t.Errorf("breaking change line missing:\n%s", out)
	}
}

func TestDiffTextEscapesControlCharacters(t *testing.T) {
	dir := writeDiffFiles(t)
	evil := strings.Replace(diffInfo, "/owners:", "\"/owners\\e[31m\":", 1)
	os.WriteFile(filepath.Join(dir, "evil.yaml"), []byte(evil), 0o644)
	_, out, stderr := runDiff(t, filepath.Join(dir, "old.yaml"), filepath.Join(dir, "evil.yaml"))
	if !strings.Contains(out, "/owners\uFFFD[31m") || strings.Contains(out, "\x1b") {
		t.Errorf("escape character not replaced: %q %s", out, stderr)
	}
}

func TestDiffJSON(t *testing.T) {
	dir := writeDiffFiles(t)
	_, out, _ := runDiff(t, "--format", "json", filepath.Join(dir, "old.yaml"), filepath.Join(dir, "breaking.yaml"))
	var rep struct {
		Counts struct{ Breaking int }
		Groups []struct {
			Method, Path, OperationKey string
			Changes                    []struct{ ID, Level string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Counts.Breaking != 1 || len(rep.Groups) != 1 || rep.Groups[0].Method != "DELETE" ||
		rep.Groups[0].OperationKey != "deletePet" || rep.Groups[0].Changes[0].Level != "breaking" {
		t.Errorf("report = %+v", rep)
	}
}

// TestDiffReadsURLsThroughTheGuard: a URL operand is read through the
// catalog's URL reader, which refuses loopback addresses unless
// --allow-address names them.
func TestDiffReadsURLsThroughTheGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old.yaml":
			w.Write([]byte(diffOld))
		case "/new.yaml":
			w.Write([]byte(diffBreaking))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	code, _, stderr := runDiff(t, srv.URL+"/old.yaml", srv.URL+"/new.yaml")
	if code != 2 || !strings.Contains(stderr, "127.0.0.1") {
		t.Errorf("loopback URL without --allow-address: exit %d, stderr %q", code, stderr)
	}
	code, out, stderr := runDiff(t, "--allow-address", "127.0.0.1", srv.URL+"/old.yaml", srv.URL+"/new.yaml")
	if code != 1 || !strings.Contains(out, "DELETE /pets/{id}") {
		t.Errorf("allowed loopback URL: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	code, _, stderr = runDiff(t, "--allow-address", "127.0.0.1", srv.URL+"/old.yaml", srv.URL+"/gone.yaml")
	if code != 2 || !strings.Contains(stderr, "404") {
		t.Errorf("missing URL: exit %d, stderr %q", code, stderr)
	}
}

// TestDiffAgainstEntity reads the portal's definition from the catalog
// REST API's by-name endpoint.
func TestDiffAgainstEntity(t *testing.T) {
	dir := writeDiffFiles(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/catalog/entities/by-name/api/default/pets":
			json.NewEncoder(w).Encode(map[string]any{
				"apiVersion": "backstage.io/v1alpha1", "kind": "API",
				"metadata": map[string]any{"name": "pets", "namespace": "default"},
				"spec":     map[string]any{"type": "openapi", "definition": diffOld},
			})
		case "/api/catalog/entities/by-name/api/default/events":
			json.NewEncoder(w).Encode(map[string]any{"spec": map[string]any{"type": "asyncapi", "definition": "asyncapi: 2.6.0"}})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	args := func(entity, against string) []string {
		return []string{"--allow-address", "127.0.0.1", "--url", srv.URL, "--entity", entity, "--against", filepath.Join(dir, against)}
	}
	if code, out, stderr := runDiff(t, args("api:default/pets", "breaking.yaml")...); code != 1 || !strings.HasPrefix(out, "api:default/pets → ") {
		t.Errorf("breaking against entity: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if code, _, stderr := runDiff(t, args("pets", "old.yaml")...); code != 0 {
		t.Errorf("same as entity: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runDiff(t, args("api:default/absent", "old.yaml")...); code != 2 {
		t.Errorf("absent entity: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runDiff(t, args("api:default/events", "old.yaml")...); code != 2 || !strings.Contains(stderr, "asyncapi") {
		t.Errorf("asyncapi entity: exit %d, stderr %q", code, stderr)
	}
}

// TestDiffBinaryExitCodes runs the built binary: main passes the code on.
func TestDiffBinaryExitCodes(t *testing.T) {
	dir := writeDiffFiles(t)
	bin := binary(t, "portico")
	for args, want := range map[[2]string]int{
		{"old.yaml", "old.yaml"}:      0,
		{"old.yaml", "breaking.yaml"}: 1,
		{"old.yaml", "absent.yaml"}:   2,
	} {
		if code, _, stderr := runCmd(t, dir, bin, "diff", args[0], args[1]); code != want {
			t.Errorf("portico diff %s %s: exit %d, want %d (%s)", args[0], args[1], code, want, stderr)
		}
	}
}
