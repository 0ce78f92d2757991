package portico_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const extendingDoc = "docs/extending.md"

// TestDocsExtendingReference keeps the reference section of
// docs/extending.md equal to the code: the methods of each extension point
// and registrar, the fields of Services and the options of New, each with
// its Go signature or type, and the plugin id each extension point belongs to.
func TestDocsExtendingReference(t *testing.T) {
	got := docReference(t)
	want := map[string][]string{
		"catalogplugin.Extensions": interfaceMethods(t, "plugins/catalogplugin", "Extensions"),
		"appplugin.Extensions":     interfaceMethods(t, "plugins/appplugin", "Extensions"),
		"authplugin.Extensions":    interfaceMethods(t, "plugins/authplugin", "Extensions"),
		"portico.PluginRegistrar":  interfaceMethods(t, ".", "PluginRegistrar"),
		"portico.ModuleRegistrar":  interfaceMethods(t, ".", "ModuleRegistrar"),
		"portico.Services":         structFields(t, ".", "Services"),
		"portico.New":              options(t, "."),
	}
	for _, pkg := range []string{"plugins/catalogplugin", "plugins/appplugin", "plugins/authplugin"} {
		want[path.Base(pkg)+".Extensions plugin"] = []string{constString(t, pkg, "ID")}
	}
	for _, key := range slices.Sorted(maps.Keys(want)) {
		w, g := want[key], got[key]
		if len(w) == 0 {
			t.Errorf("%s: found nothing in the Go sources; is the test's list of names out of date?", key)
		}
		var missing, extra []string
		for _, s := range w {
			if !slices.Contains(g, s) {
				missing = append(missing, s)
			}
		}
		for _, s := range g {
			if !slices.Contains(w, s) {
				extra = append(extra, s)
			}
		}
		if len(missing) > 0 || len(extra) > 0 {
			t.Errorf("%s's reference section, %s:\n  missing (in the code, not in the doc): %q\n  extra (in the doc, not in the code): %q",
				extendingDoc, key, missing, extra)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("%s's reference section documents %s, which this test does not check", extendingDoc, key)
		}
	}
}

// TestDocsExtendingSnippets checks the Go snippets of docs/extending.md:
// every block is marked either "<!-- quoted: FILE -->", and then each of its
// parts (separated by "..." lines) must appear in FILE line by line
// (indentation aside) and in order, or "<!-- sketch -->". Every Go file of
// the worked example is quoted at least once, and relative links resolve.
func TestDocsExtendingSnippets(t *testing.T) {
	doc := readDoc(t)
	lines := strings.Split(doc, "\n")
	marker := regexp.MustCompile(`^<!-- (quoted: (\S+)|sketch) -->$`)
	quoted := map[string]bool{}
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```go") {
			continue
		}
		start := i
		for i++; i < len(lines) && lines[i] != "```"; i++ {
		}
		block := lines[start+1 : i]
		m := []string(nil)
		if start > 0 {
			m = marker.FindStringSubmatch(lines[start-1])
		}
		if m == nil {
			t.Errorf("%s:%d: a Go block needs <!-- quoted: FILE --> or <!-- sketch --> on the line above", extendingDoc, start+1)
			continue
		}
		if m[2] == "" {
			continue
		}
		quoted[m[2]] = true
		src, err := os.ReadFile(m[2])
		if err != nil {
			t.Errorf("%s:%d: %v", extendingDoc, start, err)
			continue
		}
		if part := missingPart(block, trimLines(strings.Split(string(src), "\n"))); part != "" {
			t.Errorf("%s:%d: quoted from %s, but this part is not in it (in this order):\n%s", extendingDoc, start+1, m[2], part)
		}
	}
	example := must(filepath.Glob("examples/custom-backend/*.go"))
	example = append(example, must(filepath.Glob("examples/custom-backend/frobs/*.go"))...)
	if len(example) < 5 {
		t.Fatalf("found %d Go files in examples/custom-backend; run from the module root", len(example))
	}
	for _, f := range example {
		if !strings.HasSuffix(f, "_test.go") && !strings.HasSuffix(f, "_templ.go") && !quoted[filepath.ToSlash(f)] {
			t.Errorf("%s quotes nothing from %s; the worked example should show each of its files", extendingDoc, f)
		}
	}
	for _, m := range regexp.MustCompile(`\]\((\.\./[^)#]+)`).FindAllStringSubmatch(doc, -1) {
		if _, err := os.Stat(filepath.Join("docs", m[1])); err != nil {
			t.Errorf("%s links to %s: %v", extendingDoc, m[1], err)
		}
	}
}

// missingPart returns the first part of block (parts are separated by
// lines reading "...") not found in src after the previous part, or "".
func missingPart(block, src []string) string {
	from := 0
	var parts [][]string
	part := []string{}
	for _, l := range trimLines(block) {
		if l == "..." {
			parts = append(parts, part)
			part = []string{}
			continue
		}
		part = append(part, l)
	}
	parts = append(parts, part)
	for _, p := range parts {
		at := -1
		for i := from; i+len(p) <= len(src); i++ {
			if slices.Equal(src[i:i+len(p)], p) {
				at = i
				break
			}
		}
		if at < 0 {
			return strings.Join(p, "\n")
		}
		from = at + len(p)
	}
	return ""
}

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(extendingDoc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func trimLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSpace(l)
	}
	return out
}

// docReference reads the reference section: "### `pkg.Name` — plugin
// `id`" headings followed by items ("- `signature`", or several separated
// by ", ", then any description), the Services table ("| `Field` | `type`
// |") and the options of New (items too).
func docReference(t *testing.T) map[string][]string {
	t.Helper()
	doc := readDoc(t)
	_, ref, ok := strings.Cut(doc, "\n## Reference\n")
	if !ok {
		t.Fatalf("%s has no \"## Reference\" section", extendingDoc)
	}
	ref, _, _ = strings.Cut(ref, "\n## ")
	heading := regexp.MustCompile("^### `([\\w.]+)`(?: — plugin `(\\w+)`)?$")
	item := regexp.MustCompile("^- `[^`]+`(?:, `[^`]+`)*")
	span := regexp.MustCompile("`([^`]+)`")
	row := regexp.MustCompile("^\\| `(\\w+)` \\| `([^`]+)` \\|")
	got := map[string][]string{}
	key := ""
	for _, l := range strings.Split(ref, "\n") {
		switch {
		case l == "### Services":
			key = "portico.Services"
		case l == "### Options of `portico.New`":
			key = "portico.New"
		case strings.HasPrefix(l, "#"):
			key = ""
			if m := heading.FindStringSubmatch(l); m != nil {
				key = m[1]
				if m[2] != "" {
					got[key+" plugin"] = append(got[key+" plugin"], m[2])
				}
			}
		case key == "":
		case item.MatchString(l):
			for _, m := range span.FindAllStringSubmatch(item.FindString(l), -1) {
				got[key] = append(got[key], m[1])
			}
		case row.MatchString(l):
			m := row.FindStringSubmatch(l)
			got[key] = append(got[key], m[1]+" "+m[2])
		}
	}
	return got
}

// parsePackage parses the non-test Go files of the package in dir.
func parsePackage(t *testing.T, dir string) []*ast.File {
	t.Helper()
	var files []*ast.File
	for _, p := range must(filepath.Glob(filepath.Join(dir, "*.go"))) {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

func typeSpec(t *testing.T, dir, name string) *ast.TypeSpec {
	t.Helper()
	for _, f := range parsePackage(t, dir) {
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok {
				for _, s := range g.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Name == name {
						return ts
					}
				}
			}
		}
	}
	t.Fatalf("no type %s in %s", name, dir)
	return nil
}

// interfaceMethods returns the exported methods of interface dir.name as
// "Name(params) results".
func interfaceMethods(t *testing.T, dir, name string) []string {
	t.Helper()
	it, ok := typeSpec(t, dir, name).Type.(*ast.InterfaceType)
	if !ok {
		t.Fatalf("%s in %s is not an interface", name, dir)
	}
	var out []string
	for _, m := range it.Methods.List {
		for _, n := range m.Names {
			if n.IsExported() {
				out = append(out, n.Name+strings.TrimPrefix(node(m.Type), "func"))
			}
		}
	}
	return out
}

// structFields returns the exported fields of struct dir.name as "Name type".
func structFields(t *testing.T, dir, name string) []string {
	t.Helper()
	st, ok := typeSpec(t, dir, name).Type.(*ast.StructType)
	if !ok {
		t.Fatalf("%s in %s is not a struct", name, dir)
	}
	var out []string
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.IsExported() {
				out = append(out, n.Name+" "+node(f.Type))
			}
		}
	}
	return out
}

// options returns the functions of dir that return Option, as
// "Name(params)".
func options(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range parsePackage(t, dir) {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !fd.Name.IsExported() || fd.Type.Results == nil ||
				len(fd.Type.Results.List) != 1 || node(fd.Type.Results.List[0].Type) != "Option" {
				continue
			}
			params := *fd.Type
			params.Results = nil
			out = append(out, fd.Name.Name+strings.TrimPrefix(node(&params), "func"))
		}
	}
	return out
}

// constString returns the value of the string constant dir.name.
func constString(t *testing.T, dir, name string) string {
	t.Helper()
	for _, f := range parsePackage(t, dir) {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if n.Name != name || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						return v
					}
				}
			}
		}
	}
	t.Fatalf("no string constant %s in %s", name, dir)
	return ""
}

func node(n ast.Node) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, token.NewFileSet(), n); err != nil {
		panic(err)
	}
	return b.String()
}
