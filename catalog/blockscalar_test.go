package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// big returns n lines of indented YAML-looking text, enough to be lifted.
func big(indent string, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(indent + "paths:\n" + indent + "  /things: {get: {summary: \"x: |\"}}\n")
		if i%7 == 0 {
			b.WriteString("\n" + indent + "    deeper line with trailing spaces   \n")
		}
	}
	return b.String()
}

func TestLiftedParseEqualsPlainParse(t *testing.T) {
	head := "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\nspec:\n  type: openapi\n"
	cases := map[string]string{
		"clip":                      head + "  definition: |\n" + big("    ", 40),
		"clip with trailing blanks": head + "  definition: |\n" + big("    ", 40) + "\n\n   \n",
		"strip then key":            head + "  definition: |-\n" + big("    ", 40) + "\n  owner: x\n",
		"blank lines inside":        head + "  definition: |\n" + big("    ", 20) + "\n\n" + big("    ", 20) + "  lifecycle: p\n",
		"whitespace-only line":      head + "  definition: |\n" + big("    ", 20) + "      \n" + big("    ", 20),
		"keep is not lifted":        head + "  definition: |+\n" + big("    ", 40) + "\n\n",
		"indicator not lifted":      head + "  definition: |4\n" + big("      ", 40),
		"comment after indicator":   head + "  definition: | # c\n" + big("    ", 40),
		"top-level block":           "description: |\n" + big("  ", 40) + "kind: API\n",
		"folded hides a key":        head + "  definition: >\n    intro\n  " + "  note: |\n" + big("      ", 40),
		"literal hides a key":       head + "  definition: |+\n    intro\n    note: |\n" + big("      ", 40),
		"multi-document":            head + "  definition: |\n" + big("    ", 40) + "---\n" + head + "  definition: |-\n" + big("   ", 40),
		"CRLF":                      strings.ReplaceAll(head+"  definition: |\n"+big("    ", 40)+"  owner: y\n", "\n", "\r\n"),
		"less indented line":        head + "  definition: |\n" + big("     ", 40) + "   oops\n" + big("     ", 2),
		"tab in content":            head + "  definition: |\n" + big("    ", 40) + "    \tx\n",
		"sequence item":             "items:\n- name: x\n  def: |\n" + big("    ", 40),
		"small block":               head + "  definition: |\n    tiny\n",
		"malformed after block":     head + "  definition: |\n" + big("    ", 40) + "  owner: [\n",
		// Issue 15's cases: a quoted scalar whose continuation line looks
		// like a block's start, a block at the end of a file without a final
		// newline, and line breaks YAML treats unlike \n.
		"quoted continuation looks like a block": head + "  description: \"first line\n  example: |\n" + big("    ", 40) + "  end\"\n",
		"single-quoted continuation":             head + "  description: 'first line\n  example: |\n" + big("    ", 40) + "  end'\n",
		"plain continuation":                     head + "  description: first line\n    example: |\n" + big("      ", 40),
		"no final newline":                       head + "  definition: |\n" + strings.TrimSuffix(big("    ", 40), "\n"),
		"no final newline, strip":                head + "  definition: |-\n" + strings.TrimSuffix(big("    ", 40), "\n"),
		"lone CR":                                head + "  definition: |\n" + big("    ", 40) + "    a\rb\n",
		"lone CR as line break":                  strings.ReplaceAll(head+"  definition: |\n"+big("    ", 40), "\n", "\r"),
		"U+2028 in block":                        head + "  definition: |\n" + big("    ", 40) + "    a\u2028b\n",
		"NEL in block":                           head + "  definition: |\n" + big("    ", 40) + "    a\u0085b\n",
		"BOM":                                    "\ufeff" + head + "  definition: |\n" + big("    ", 40),
	}
	if dir := os.Getenv("PORTICO_BENCH_DIR"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "apis", "api-0000*.yaml"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			cases[filepath.Base(f)] = string(data)
		}
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			src := Source{Location: "x.yaml"}
			wantE, wantP := parseDocuments([]byte(doc), src, nil)
			gotE, gotP := ParseYAML([]byte(doc), src)
			if diff := cmp.Diff(wantE, gotE, cmp.Comparer(func(a, b Reader) bool { return true })); diff != "" {
				t.Errorf("entities (-plain +lifted):\n%s", diff)
			}
			if diff := cmp.Diff(wantP, gotP); diff != "" {
				t.Errorf("problems (-plain +lifted):\n%s", diff)
			}
		})
	}
	if _, blocks := liftBlockScalars([]byte(cases["clip"]), liftPrefix); blocks == nil {
		t.Error("the plain case was not lifted")
	}
}
