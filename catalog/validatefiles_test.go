package catalog

import (
	"context"
	"os"
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

// TestValidateFollowsLocationTargets: validate reads what a Location names
// as a file location would: globs and nested Locations are checked, and a
// missing target, a cycle and a target outside the directory are reported
// on the Location that names them (the outside test of issue 11 found
// validate exiting 0 on all three). url targets are not fetched. Each file
// is checked once when the directory is given too.
func TestValidateFollowsLocationTargets(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "cat")
	api := func(name, owner string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: " + name + "\nspec:\n  type: openapi\n  lifecycle: production\n  owner: " + owner + "\n  definition: 'openapi: 3.0.0'\n"
	}
	writeTree(t, root, map[string]string{
		"all.yaml":      "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: all\nspec:\n  targets:\n    - ./apis/*.yaml\n    - ./nested.yaml\n    - ./missing.yaml\n    - ../outside.yaml\n---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: remote\nspec:\n  type: url\n  target: https://example.com/remote.yaml\n",
		"nested.yaml":   "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: nested\nspec:\n  targets: [./deeper/c.yaml, ./all.yaml]\n",
		"apis/a.yaml":   api("a", "team-a"),
		"apis/b.yaml":   strings.Replace(api("b", "team-a"), "  owner: team-a\n", "", 1),
		"deeper/c.yaml": api("c", "team-c"),
	})
	if err := os.WriteFile(filepath.Join(dir, "outside.yaml"), []byte(api("x", "team-x")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{filepath.Join(root, "all.yaml")}, {filepath.Join(root, "all.yaml"), root}} {
		v := New(nil, Options{}).Validate(context.Background(), args)
		got := describeProblems(v.Problems)
		for _, want := range []string{
			"apis/b.yaml: document 1: api:default/b: spec.owner",
			"missing.yaml does not exist",
			"leads back to",
			"outside.yaml",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("%v: problems do not mention %q:\n%s", args, want, got)
			}
		}
		if strings.Count(got, "spec.owner") != 1 || strings.Count(got, "leads back to") != 1 {
			t.Errorf("%v: a problem is reported twice:\n%s", args, got)
		}
		if strings.Contains(got, "example.com") {
			t.Errorf("%v: a url target was fetched or refused:\n%s", args, got)
		}
		// all (two Locations), nested, a, b, c.
		if v.Files != 5 || v.Entities != 6 {
			t.Errorf("%v: checked %d files, %d entities; want 5 and 6:\n%s", args, v.Files, v.Entities, got)
		}
	}
}

func describeProblems(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Error() + "\n")
	}
	return b.String()
}
