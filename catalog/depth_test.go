package catalog

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// deepComponent is a Component whose deepest object is levels deep (the
// document is level 1, spec level 2), written in flow or block style. With
// lift, a large description block makes ParseYAML take its block-scalar
// fast path.
func deepComponent(name string, levels int, block, lift bool) string {
	var b strings.Builder
	b.WriteString("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name + "\n")
	if lift {
		b.WriteString("  description: |\n" + strings.Repeat("    a line of text that makes this block worth lifting\n", 40))
	}
	b.WriteString("spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n")
	n := levels - 2 // maps below spec
	if block {
		for i := range n {
			b.WriteString(strings.Repeat(" ", 2*(i+1)) + "x:\n")
		}
		b.WriteString(strings.Repeat(" ", 2*(n+1)) + "leaf: 1\n")
		return b.String()
	}
	b.WriteString("  x: " + strings.Repeat("{x: ", n) + "1" + strings.Repeat("}", n) + "\n")
	return b.String()
}

// TestParseYAMLRefusesDeepEntities: an entity nested more than 64 levels
// is a problem naming file, document and entity, on the plain and the
// block-scalar path alike; the other documents of the file are kept, and
// 64 levels are still fine (issue 13, finding 8).
func TestParseYAMLRefusesDeepEntities(t *testing.T) {
	for _, tt := range []struct {
		name   string
		levels int
		block  bool
	}{
		{"flow 65", 65, false},
		{"block 65", 65, true},
		{"flow 9000", 9000, false},
		{"block 1000", 1000, true},
	} {
		for _, lift := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s lifted=%v", tt.name, lift), func(t *testing.T) {
				data := deepComponent("ok", MaxEntityDepth, tt.block, lift) + "---\n" +
					deepComponent("deep", tt.levels, tt.block, lift) + "---\n" +
					deepComponent("after", 3, tt.block, lift)
				got, problems := ParseYAML([]byte(data), Source{Location: "catalog/deep.yaml"})
				if len(problems) != 1 {
					t.Fatalf("got %d problems, want 1: %v", len(problems), problems)
				}
				want := "catalog/deep.yaml: document 2: component:default/deep: spec.x.x…: nested more than 64 levels deep"
				if msg := problems[0].Error(); !strings.HasPrefix(msg, want) {
					t.Errorf("problem %q\nwant prefix %q", msg, want)
				}
				var names []string
				for _, d := range got {
					names = append(names, d.Entity.Metadata.Name)
				}
				if strings.Join(names, ",") != "ok,after" {
					t.Errorf("entities %v, want ok and after", names)
				}
			})
		}
	}
}

// TestPlaceholdersCannotNestEntitiesTooDeep: a $yaml or $json target that
// would take the entity past the limit is a problem on its field.
func TestPlaceholdersCannotNestEntitiesTooDeep(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"deep.json": strings.Repeat("[", 70) + strings.Repeat("]", 70),
		"deep.yaml": "x: " + strings.Repeat("{x: ", 62) + "1" + strings.Repeat("}", 62) + "\n",
		"fits.yaml": "x: " + strings.Repeat("{x: ", 61) + "1" + strings.Repeat("}", 61) + "\n",
	})
	c := New(nil, Options{})
	for target, want := range map[string]string{
		"./deep.json": "spec.extra: $json ./deep.json: nests the entity more than 64 levels deep",
		"./deep.yaml": "spec.extra: $yaml ./deep.yaml: nests the entity more than 64 levels deep",
		"./fits.yaml": "",
	} {
		kind := "$" + strings.TrimPrefix(filepath.Ext(target), ".")
		doc := "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: c}\n" +
			"spec: {type: service, lifecycle: production, owner: team-a, extra: {" + kind + ": " + target + "}}\n"
		file := filepath.Join(dir, "catalog-info.yaml")
		entities, problems := ParseYAML([]byte(doc), Source{Location: file, Reader: NewFileReader(dir, file)})
		if len(problems) != 0 || len(entities) != 1 {
			t.Fatalf("%s: parse: %v", target, problems)
		}
		pe := c.Process(context.Background(), "p", entities[0])
		var got []string
		for _, p := range pe.Problems {
			got = append(got, p.Field+": "+p.Message)
		}
		switch {
		case want == "" && len(got) != 0:
			t.Errorf("%s: problems %v, want none", target, got)
		case want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], want)):
			t.Errorf("%s: problems %v, want %q", target, got, want)
		}
	}
}
