package catalog

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"ok/catalog-info.yaml": apiWithDefinition("{$text: ./openapi.yaml}"),
		"ok/openapi.yaml":      "openapi: 3.0.0\n",
		"bad/a.yml":            apiWithDefinition("{$text: ./nope.yaml}") + "---\n" + strings.Replace(apiWithDefinition("x"), "name: a", "name: bad_name-", 1),
		"bad/b.yaml":           "kind: [\n",
		"bad/notes.txt":        "kind: [\n",
		".git/x.yaml":          "kind: [\n",
	})
	if got := ValidateFiles(context.Background(), []string{filepath.Join(dir, "ok")}); len(got) != 0 {
		t.Fatalf("valid directory: %v", got)
	}
	got := ValidateFiles(context.Background(), []string{dir, filepath.Join(dir, "missing.yaml")})
	var lines []string
	for _, p := range got {
		lines = append(lines, strings.TrimPrefix(p.Error(), dir+"/"))
	}
	want := []string{
		"bad/a.yml: document 1: api:default/a: spec.definition: $text ./nope.yaml: file " + filepath.Join(dir, "bad", "nope.yaml") + " does not exist",
		`bad/a.yml: document 2: api:default/bad_name-: metadata.name: "bad_name-" is not valid`,
		"bad/b.yaml: document 1: malformed YAML",
		"missing.yaml: cannot read",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("problem %d = %q\nwant prefix %q", i, lines[i], want[i])
		}
	}
}
