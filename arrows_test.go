package portico_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/porticohq/portico"

// imports reads the non-test Go files of the module and returns, for each
// package directory (as an import path), the module's packages it imports.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p != "." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := path.Join(modulePath, filepath.ToSlash(filepath.Dir(p)))
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if (ip == modulePath || strings.HasPrefix(ip, modulePath+"/")) && !slices.Contains(out[pkg], ip) {
				out[pkg] = append(out[pkg], ip)
			}
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("go.mod"); err != nil || len(out) < 10 {
		t.Fatalf("read %d packages from %s; run from the modulePath root", len(out), must(os.Getwd()))
	}
	return out
}

func must[T any](v T, _ error) T { return v }

// under reports whether pkg is dir or a package below it.
func under(pkg, dir string) bool {
	dir = modulePath + "/" + dir
	return pkg == dir || strings.HasPrefix(pkg, dir+"/")
}

// The arrows between packages run one way (issue 12): the backend system
// at the root knows no feature; only the built-in feature packages, the
// list of defaults and the programs that wire a backend import the root;
// the catalog does not know its providers, sign-in does not render the
// pages' views, and views take view models, not the OpenAPI domain types.
func TestArrowsRunOneWay(t *testing.T) {
	deps := imports(t)
	mayImportRoot := []string{"plugins", "defaults", "cmd", "examples", "e2e"}
	rules := []struct {
		name string
		from func(pkg string) bool
		to   func(imp string) bool
	}{
		{
			name: "only the built-in features, defaults and programs import the root",
			from: func(p string) bool {
				return p != modulePath && !slices.ContainsFunc(mayImportRoot, func(d string) bool { return under(p, d) })
			},
			to: func(i string) bool { return i == modulePath },
		},
		{
			name: "the root imports no feature package",
			from: func(p string) bool { return p == modulePath },
			to: func(i string) bool {
				return slices.ContainsFunc([]string{"plugins", "defaults", "web/catalogapi"},
					func(d string) bool { return under(i, d) })
			},
		},
		{
			name: "catalog does not import providers",
			from: func(p string) bool { return under(p, "catalog") },
			to:   func(i string) bool { return under(i, "providers") },
		},
		{
			name: "the pages, API docs and sync status do not import the catalog API",
			from: func(p string) bool { return under(p, "web") && !under(p, "web/catalogapi") },
			to:   func(i string) bool { return under(i, "web/catalogapi") },
		},
		{
			name: "auth does not import views",
			from: func(p string) bool { return under(p, "auth") },
			to:   func(i string) bool { return under(i, "views") },
		},
		{
			name: "views do not import catalog/openapi",
			from: func(p string) bool { return under(p, "views") },
			to:   func(i string) bool { return under(i, "catalog/openapi") },
		},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			var bad []string
			for pkg, imps := range deps {
				if !r.from(pkg) {
					continue
				}
				for _, imp := range imps {
					if r.to(imp) {
						bad = append(bad, pkg+" imports "+imp)
					}
				}
			}
			slices.Sort(bad)
			if len(bad) > 0 {
				t.Errorf("%d imports against the arrow:\n%s", len(bad), strings.Join(bad, "\n"))
			}
		})
	}
}
