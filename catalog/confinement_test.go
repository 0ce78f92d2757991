package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
)

// secret is the text of every file outside the location's base directory;
// no read, problem or rendered definition may ever contain it.
const secret = "TOP-SECRET-OUTSIDE-THE-BASE"

// confinementTree builds root/outside (the secret, as text and as a
// schema), root/catalog (the location's base) and root/catalog/apis (the
// entity's directory) with symlinks, a FIFO, a socket and a directory, and
// returns root and the entity's file.
func confinementTree(t *testing.T) (root, entityFile string) {
	t.Helper()
	root = t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"outside", "catalog/apis/dir", "catalog/shared"} {
		must(os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	files := map[string]string{
		"outside/secret.txt":        secret,
		"outside/secret.yaml":       "Secret: {type: object, description: " + secret + "}\n",
		"catalog/apis/ok.txt":       "inside",
		"catalog/shared/pet.yaml":   "Pet: {type: object, description: a pet}\n",
		"catalog/apis/openapi.yaml": "openapi: 3.0.0\n",
	}
	for name, content := range files {
		must(os.WriteFile(filepath.Join(root, name), []byte(content), 0o644))
	}
	apis := filepath.Join(root, "catalog", "apis")
	for link, target := range map[string]string{
		"link-out.txt":      filepath.Join(root, "outside", "secret.txt"),
		"link-out.yaml":     filepath.Join(root, "outside", "secret.yaml"),
		"rel-link-out.txt":  "../../outside/secret.txt",
		"dirlink":           filepath.Join(root, "outside"),
		"chain1":            "chain2",
		"chain2":            "../../outside/secret.txt",
		"abs-link":          "/etc/passwd",
		"dev-zero":          "/dev/zero",
		"dev-null":          "/dev/null",
		"dangling-out":      filepath.Join(root, "outside", "missing.txt"),
		"dangling-in":       "nowhere.txt",
		"up":                "..",
		"loop-a":            "loop-b",
		"loop-b":            "loop-a",
		"in-link.txt":       "ok.txt",
		"proc-self-environ": "/proc/self/environ",
	} {
		must(os.Symlink(target, filepath.Join(apis, link)))
	}
	if err := syscall.Mkfifo(filepath.Join(apis, "pipe"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	t.Cleanup(func() {
		if f, err := os.OpenFile(filepath.Join(apis, "pipe"), os.O_RDWR, 0); err == nil {
			f.Close()
		}
	})
	if ln, err := net.Listen("unix", filepath.Join(apis, "sock")); err == nil {
		t.Cleanup(func() { ln.Close() })
	}
	return root, filepath.Join(apis, "catalog-info.yaml")
}

// confinementTargets are $text targets and $ref paths that must not read
// anything outside the base directory (nor block on what is not a file).
var confinementTargets = []string{
	"../../outside/secret.txt", "../../../../../../../../etc/passwd", "../shared/../../outside/secret.txt",
	"./dir/../../../outside/secret.txt", "..", ".", "./dir", "/etc/passwd", "//etc/passwd",
	`\etc\passwd`, `..\..\outside\secret.txt`, "file:///etc/passwd", "file:../../outside/secret.txt",
	"%2e%2e/%2e%2e/outside/secret.txt", "~/.ssh/id_rsa", "./link-out.txt", "./rel-link-out.txt",
	"./dirlink/secret.txt", "./dirlink/missing.txt", "./chain1", "./abs-link", "./dev-zero", "./dev-null",
	"./dangling-out", "./up/../outside/secret.txt", "./up/up/outside/secret.txt", "./loop-a",
	"./pipe", "./sock", "./proc-self-environ", "/dev/zero", "/proc/self/environ", "ok.txt\x00/../../x",
	"http://127.0.0.1:1/secret.txt", "C:\\Windows\\win.ini",
}

// TestFileConfinement is the confinement table for $text placeholders:
// every target is refused (or does not exist), nothing from outside the
// base directory appears in data or messages, and nothing blocks.
func TestFileConfinement(t *testing.T) {
	root, entityFile := confinementTree(t)
	base := filepath.Join(root, "catalog")
	c := catalog.New(nil, catalog.Options{})
	for _, target := range confinementTargets {
		t.Run(target, func(t *testing.T) {
			bounded(t, target, func() {
				data, _, err := catalog.NewFileReader(base, entityFile).ReadRelative(context.Background(), target)
				if err == nil {
					t.Errorf("read %q: got %d bytes, want a refusal", target, len(data))
				}
				if strings.Contains(string(data), secret) || (err != nil && strings.Contains(err.Error(), secret)) {
					t.Errorf("read %q: the secret leaked", target)
				}
				problems := processText(t, c, base, entityFile, target)
				if len(problems) == 0 {
					t.Errorf("$text %q: no problem", target)
				}
				for _, p := range problems {
					if strings.Contains(p, secret) {
						t.Errorf("$text %q: the secret leaked into %q", target, p)
					}
				}
			})
		})
	}
	for _, target := range []string{"./ok.txt", "./in-link.txt"} {
		if data, _, err := catalog.NewFileReader(base, entityFile).ReadRelative(context.Background(), target); err != nil || string(data) != "inside" {
			t.Errorf("read %q inside the base: %q, %v", target, data, err)
		}
	}
	if n := len(confinementTargets); n < 30 {
		t.Errorf("only %d cases, the suite promises at least 30", n)
	}
}

// TestSymlinkMessagesAreNoOracle: whether a symlink's target outside the
// base exists must not show in the message.
func TestSymlinkMessagesAreNoOracle(t *testing.T) {
	root, entityFile := confinementTree(t)
	r := catalog.NewFileReader(filepath.Join(root, "catalog"), entityFile)
	msg := func(target string) string {
		_, path, err := r.ReadRelative(context.Background(), target)
		if err == nil {
			t.Fatalf("read %s: no error", target)
		}
		return strings.ReplaceAll(err.Error(), path, "PATH")
	}
	for _, pair := range [][2]string{
		{"./link-out.txt", "./dangling-out"},
		{"./dirlink/secret.txt", "./dirlink/missing.txt"},
	} {
		if a, b := msg(pair[0]), msg(pair[1]); a != b {
			t.Errorf("messages differ for an existing and a missing target outside:\n%s\n%s", a, b)
		}
	}
}

// processText runs an API whose definition is {$text: target} through the
// catalog's processing and returns its problems.
func processText(t *testing.T, c *catalog.Catalog, base, entityFile, target string) []string {
	t.Helper()
	doc := fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: a}\n"+
		"spec: {type: openapi, lifecycle: production, owner: team-a, definition: {$text: %q}}\n", target)
	entities, problems := catalog.ParseYAML([]byte(doc), catalog.Source{Location: "file:" + entityFile, Reader: catalog.NewFileReader(base, entityFile)})
	if len(problems) != 0 || len(entities) != 1 {
		t.Fatalf("parse: %v", problems)
	}
	pe := c.Process(context.Background(), "confinement", entities[0])
	var out []string
	for _, p := range pe.Problems {
		out = append(out, p.Error())
	}
	if def, ok := pe.Entity.Spec["definition"].(string); ok && strings.Contains(def, secret) {
		out = append(out, "definition holds "+def)
	}
	return out
}

// TestRefConfinement is the confinement table for a definition's $refs,
// read through the same FileReader the Definition tab uses: a $ref to any
// of the targets fails to load or loads without the secret.
func TestRefConfinement(t *testing.T) {
	root, entityFile := confinementTree(t)
	base := filepath.Join(root, "catalog")
	refs := append([]string{"../../outside/secret.yaml", "./link-out.yaml", "./dirlink/secret.yaml"}, confinementTargets...)
	for _, ref := range refs {
		t.Run(ref, func(t *testing.T) {
			quoted, _ := json.Marshal(ref + "#/Secret")
			spec := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"operationId":"x",` +
				`"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":` + string(quoted) + `}}}}}}}}}`
			var (
				def *openapi.Definition
				err error
			)
			bounded(t, "$ref "+ref, func() {
				def, err = openapi.Parse(context.Background(), []byte(spec), catalog.NewFileReader(base, entityFile), openapi.Limits{})
			})
			if err == nil {
				op, _ := def.Operation("x")
				t.Errorf("$ref %q loaded: %+v", ref, op)
				return
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("$ref %q: the secret leaked into %v", ref, err)
			}
		})
	}
	// The same reader still resolves a sibling inside the base.
	spec := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"operationId":"x",` +
		`"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"../shared/pet.yaml#/Pet"}}}}}}}}}`
	if _, err := openapi.Parse(context.Background(), []byte(spec), catalog.NewFileReader(base, entityFile), openapi.Limits{}); err != nil {
		t.Errorf("$ref inside the base: %v", err)
	}
}

// bounded runs fn and fails the test if it has not returned after a
// generous bound: what is tested is "never blocks", not a duration. fn may
// report with t.Errorf only.
func bounded(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}
