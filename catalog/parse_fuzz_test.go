package catalog

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseYAML feeds arbitrary descriptor files to ParseYAML. It must not
// panic; the block-scalar fast path must give exactly what the plain parse
// gives; no entity may come back nested deeper than MaxEntityDepth; every
// problem names the file. Seeds are below and in testdata/fuzz; CI runs it
// for a few seconds (scripts/test.sh).
func FuzzParseYAML(f *testing.F) {
	head := "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec:\n  type: openapi\n"
	for _, seed := range []string{
		head + "  definition: |\n" + big("    ", 30),
		head + "  definition: |-\n" + big("    ", 30) + "  owner: x\n",
		head + "  definition: |\n" + big("    ", 30) + "---\n" + head + "  definition: |\n" + big("   ", 30),
		strings.ReplaceAll(head+"  definition: |\n"+big("    ", 30), "\n", "\r\n"),
		"description: |\n" + big("  ", 30) + "kind: API\n",
		head + "  description: \"first\n  example: |\n" + big("    ", 30) + "  end\"\n",
		head + "  description: 'first\n  example: |\n" + big("    ", 30) + "  end'\n",
		deepComponent("d", 70, false, true),
		deepComponent("d", 70, true, false),
		`{"apiVersion":"backstage.io/v1alpha1","kind":"Group","metadata":{"name":"g"},"spec":{"type":"team"}}`,
		"kind: API\nmetadata:\n  name: [unclosed\n",
		"a: &x [*x]\n",
		"---\n---\n",
		"metadata: {labels: [a], annotations: {x: 1}, tags: {a: b}, links: [1]}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := Source{Location: "fuzz.yaml"}
		gotE, gotP := ParseYAML(data, src)
		wantE, wantP := parseDocuments(data, src, nil)
		if diff := cmp.Diff(wantE, gotE, cmp.Comparer(func(a, b Reader) bool { return true })); diff != "" {
			t.Errorf("entities differ between the plain and the lifted parse (-plain +lifted):\n%s", diff)
		}
		if diff := cmp.Diff(wantP, gotP); diff != "" {
			t.Errorf("problems differ between the plain and the lifted parse (-plain +lifted):\n%s", diff)
		}
		for _, d := range gotE {
			if _, over := tooDeep(d.Entity.Spec, MaxEntityDepth-1, nil); over {
				t.Errorf("entity %s: spec nested deeper than the limit", d.Entity.Ref())
			}
			if _, over := tooDeep(d.Entity.Metadata.Extra, MaxEntityDepth-1, nil); over {
				t.Errorf("entity %s: metadata nested deeper than the limit", d.Entity.Ref())
			}
		}
		for _, p := range gotP {
			if p.File != src.Location || p.Document < 1 {
				t.Errorf("problem %q does not name the file and document", p.Error())
			}
		}
	})
}
