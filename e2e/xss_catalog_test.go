package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// m is a JSON object; the suite writes every document as JSON, which is
// YAML too, so no payload can change a document's shape.
type m = map[string]any

// jsonText encodes v without Go's HTML escaping, so raw views show the
// payloads exactly as an author wrote them.
func jsonText(t testing.TB, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// docs joins entity documents into one YAML stream.
func docs(t testing.TB, entities ...m) string {
	t.Helper()
	parts := make([]string, len(entities))
	for i, e := range entities {
		parts[i] = jsonText(t, e)
	}
	return strings.Join(parts, "---\n")
}

func entity(kind, name string, metadata, spec m) m {
	if metadata == nil {
		metadata = m{}
	}
	metadata["name"] = name
	e := m{"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": metadata}
	if spec != nil {
		e["spec"] = spec
	}
	return e
}

func service() m { return m{"type": "service", "lifecycle": "production", "owner": "team-xss"} }

// refTo makes payload the name of an entity ref of kind: a ref's name
// cannot hold ':' or '/', so those become look-alikes; the rest of the
// payload is shown as the pages show a ref.
func refTo(kind, payload string) string {
	return kind + ":default/" + strings.NewReplacer(":", "\u2236", "/", "\u2215").Replace(payload)
}

// xssComponent is component c-NN, which carries the run's payloads in
// every field an author controls and the pages show. In its second
// version (broken) it also has invalid labels and tags, so it fails
// validation and its page shows the problems over its last good version.
func xssComponent(n int, run []int, broken bool) m {
	annotations := m{}
	var links []m
	var deps []string
	labels := m{}
	tags := []string{"xss"}
	for _, i := range run {
		annotations[fmt.Sprintf("xss.example/text-%02d", i)] = placed("an", i)
		annotations[fmt.Sprintf("xss.example/link-%02d", i)] = linkURL("au", i)
		links = append(links,
			m{"url": linkURL("lu", i), "title": placed("lt", i), "icon": placed("li", i), "type": placed("ly", i)},
			m{"url": "https://example.com/" + token("lh", i), "title": placed("lk", i)})
		deps = append(deps, refTo("component", placed("dp", i)))
		labels[fmt.Sprintf("xss.example/label-%02d", i)] = placed("bl", i)
		labels[placed("bk", i)] = "v"
		tags = append(tags, placed("bt", i))
	}
	meta := m{
		"title": packed("ti", run), "description": packed("de", run),
		"annotations": annotations, "links": links, "tags": []string{"xss"},
	}
	if broken {
		meta["labels"], meta["tags"] = labels, tags
	}
	return entity("Component", fmt.Sprintf("c-%02d", n), meta, m{
		"type":      packed("ty", run),
		"lifecycle": packed("lc", run),
		"owner":     refTo("group", packed("ow", run)),
		"system":    refTo("system", packed("sy", run)),
		"dependsOn": deps,
		// The change history lists these as consumers of xss-changes.
		"consumesApis": []string{"api:xss-changes"},
		"xss":          packed("zx", run),
	})
}

// xssInvalid are entities that never pass validation: every problem
// message quotes a payload (home page, providers page, register preview).
// prefix is the first letter of their place codes.
func xssInvalid(i int, prefix string) []m {
	code := func(c string) string { return prefix + c }
	bad := entity("Component", fmt.Sprintf("%s-bad-%02d", prefix, i), m{
		"labels":      m{"xss.example/label": placed(code("l"), i), placed(code("k"), i): "v"},
		"annotations": m{placed(code("a"), i): "v"},
		"tags":        []string{placed(code("t"), i)},
		"links":       []m{{"url": placed(code("u"), i)}},
	}, service())
	name := entity("Component", placed(code("n"), i), nil, service())
	kind := m{"apiVersion": placed(code("v"), i), "kind": placed(code("d"), i), "metadata": m{"name": fmt.Sprintf("%s-kind-%02d", prefix, i)}}
	return []m{bad, name, kind}
}

// xssCatalog is the catalog on disk: a root Location the portal's config
// names, the files it reaches, and the directories of the locations that
// conflict with it.
type xssCatalog struct {
	t        testing.TB
	dir      string
	upstream string // the served catalogs and the try-it upstream
}

// pathRuns are runs of the payloads that can be part of a file name.
func pathRuns() [][]int { return xssRuns(fieldBudget, pathSafe) }

// orphanFile is the file of orphan o-NN: its name carries the run, which
// the orphan banner quotes once its Location drops it.
func orphanFile(n int, run []int) string { return fmt.Sprintf("o-%02d %s.yaml", n, packed("of", run)) }

// conflictDir is the directory of the second location that claims
// component k-NN: its path carries the run.
func conflictDir(n int, run []int) string { return fmt.Sprintf("k-%02d %s", n, packed("kd", run)) }

func (c *xssCatalog) write(name, content string) {
	c.t.Helper()
	path := filepath.Join(c.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		c.t.Fatal(err)
	}
	writeFile(c.t, path, content)
}

// rootTargets are what the root Location names in both versions.
var rootTargets = []string{"./components.yaml", "./apis.yaml", "./invalid.yaml", "./targets.yaml", "./conflicts.yaml"}

// writeAll writes the first version of every file; writeBroken then
// drops the orphans and breaks the components.
func (c *xssCatalog) writeAll() {
	c.t.Helper()
	targets := append([]string{}, rootTargets...)
	var conflicts []m
	for n, run := range pathRuns() {
		targets = append(targets, "./orphans/"+orphanFile(n, run))
		c.write(filepath.Join("orphans", orphanFile(n, run)), docs(c.t, entity("Component", fmt.Sprintf("o-%02d", n),
			m{"title": packed("ot", run), "description": packed("oe", run)}, service())))
		c.write(filepath.Join(conflictDir(n, run), "dup.yaml"), docs(c.t, conflictEntity(n)))
		conflicts = append(conflicts, conflictEntity(n))
	}
	c.write("root.yaml", docs(c.t, entity("Location", "xss-root", nil, m{"type": "file", "targets": targets})))
	c.writeComponents(false)
	var invalid []m
	var badTargets []string
	for i := range xssPayloads {
		invalid = append(invalid, xssInvalid(i, "v")...)
		badTargets = append(badTargets, "https://evil.example/"+placed("tu", i))
		if pathSafe(i) {
			badTargets = append(badTargets, "./missing "+placed("tm", i)+".yaml")
		}
	}
	c.write("invalid.yaml", docs(c.t, invalid...))
	c.write("conflicts.yaml", docs(c.t, conflicts...))
	c.write("targets.yaml", docs(c.t, entity("Location", "xss-bad-targets", nil, m{"type": "file", "targets": badTargets})))
	c.writeAPIs(false)
}

// conflictEntity is k-NN, which conflicts.yaml and conflictDir(NN) both
// define: the one read second is rejected and shown on k-NN's page.
func conflictEntity(n int) m {
	return entity("Component", fmt.Sprintf("k-%02d", n), m{"title": fmt.Sprintf("Conflict %02d", n)}, service())
}

func (c *xssCatalog) writeComponents(broken bool) {
	c.t.Helper()
	var cs []m
	for n, run := range xssRuns(fieldBudget, nil) {
		cs = append(cs, xssComponent(n, run, broken))
	}
	c.write("components.yaml", docs(c.t, cs...))
}

// writeBroken is the second version: the root Location no longer names
// the orphans' files, and every component fails validation.
func (c *xssCatalog) writeBroken() {
	c.t.Helper()
	c.write("root.yaml", docs(c.t, entity("Location", "xss-root", nil, m{"type": "file", "targets": rootTargets})))
	c.writeComponents(true)
	c.writeAPIs(true)
}

// conflictLocations are the config entries of the second locations that
// claim k-NN.
func (c *xssCatalog) conflictLocations() string {
	var b strings.Builder
	for n, run := range pathRuns() {
		fmt.Fprintf(&b, "    - type: file\n      target: %s", jsonText(c.t, filepath.Join(c.dir, conflictDir(n, run), "dup.yaml")))
	}
	return b.String()
}
