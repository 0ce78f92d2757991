package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// logLines captures JSON log lines.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// take returns the warning lines written since the last call.
func (l *logLines) take(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["level"] == "WARN" {
			delete(m, "time")
			delete(m, "level")
			out = append(out, m)
		}
	}
	l.buf.Reset()
	return out
}

const apiDoc = `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: %s}
spec: {type: openapi, lifecycle: production, owner: %s, definition: 'openapi: 3.0.0'}
`

// mutation parses files (location → content) as a provider would.
func mutation(files map[string]string) catalog.Mutation {
	m := catalog.Mutation{Type: catalog.Full}
	for loc, content := range files {
		ents, problems := catalog.ParseYAML([]byte(content), catalog.Source{Location: loc})
		m.Entities = append(m.Entities, ents...)
		if len(problems) > 0 {
			m.Failed = append(m.Failed, catalog.FailedSource{Location: loc, Problems: problems})
		}
	}
	return m
}

func TestEachProblemIsLoggedOnceWithItsKeys(t *testing.T) {
	logs := &logLines{}
	cat := catalog.New(storetest.SQLite(t), catalog.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	ctx := context.Background()
	apply := func(files map[string]string) []map[string]any {
		t.Helper()
		if _, err := cat.Apply(ctx, "file:/srv/*.yaml", mutation(files)); err != nil {
			t.Fatal(err)
		}
		return logs.take(t)
	}
	apis := "file:/srv/apis.yaml"
	broken := "file:/srv/broken.yaml"
	files := map[string]string{
		apis:   fmt.Sprintf(apiDoc, "good", "team-a") + "---\n" + fmt.Sprintf(apiDoc, "no-owner", "''"),
		broken: "kind: API\nmetadata: [unclosed\n",
	}
	got := apply(files)
	want := []map[string]any{
		{"msg": "rejected entity", "provider": "file:/srv/*.yaml", "file": apis, "document": float64(2),
			"entity": "api:default/no-owner", "field": "spec.owner", "reason": "must not be empty"},
		{"msg": "rejected file", "provider": "file:/srv/*.yaml", "file": broken, "document": float64(1),
			"reason": got2reason(t, got, broken)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("first ingest: warning lines (-want +got):\n%s", diff)
	}

	if got := apply(files); len(got) != 0 {
		t.Errorf("the same problems again: %d lines, want none:\n%v", len(got), got)
	}
	// A changed problem is logged; an unchanged one is not.
	files[apis] = fmt.Sprintf(apiDoc, "good", "team-a") + "---\n" +
		strings.Replace(fmt.Sprintf(apiDoc, "no-owner", "team-a"), "lifecycle: production", "lifecycle: ''", 1)
	if got := apply(files); len(got) != 1 || got[0]["entity"] != "api:default/no-owner" || got[0]["field"] != "spec.lifecycle" {
		t.Errorf("after the problem changed: %v, want one new line for api:default/no-owner's spec.lifecycle", got)
	}
	// Fixed, then broken again: logged again.
	delete(files, broken)
	files[apis] = fmt.Sprintf(apiDoc, "good", "team-a")
	if got := apply(files); len(got) != 0 {
		t.Errorf("after the fix: %v, want no warning", got)
	}
	files[broken] = "kind: API\nmetadata: [unclosed\n"
	if got := apply(files); len(got) != 1 || got[0]["file"] != broken {
		t.Errorf("broken again: %v, want the file's line again", got)
	}
}

// got2reason returns the reason logged for file (the YAML parser's wording
// is not this test's business), failing when there is none.
func got2reason(t *testing.T, lines []map[string]any, file string) any {
	t.Helper()
	for _, l := range lines {
		if l["file"] == file && l["msg"] == "rejected file" {
			if r, _ := l["reason"].(string); strings.HasPrefix(r, "malformed YAML") {
				return r
			}
		}
	}
	t.Fatalf("no rejected-file line for %s in %v", file, lines)
	return nil
}

// TestProblemLinesAreCappedPerMutation: a location of many broken files
// writes at most catalog.MaxProblemLines lines and one summary per
// mutation; the rest are logged by the next runs, each once.
func TestProblemLinesAreCappedPerMutation(t *testing.T) {
	logs := &logLines{}
	cat := catalog.New(storetest.SQLite(t), catalog.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	files := map[string]string{}
	const n = 2*catalog.MaxProblemLines + 20
	for i := range n {
		files[fmt.Sprintf("file:/srv/%03d.yaml", i)] = fmt.Sprintf(apiDoc, fmt.Sprintf("api-%03d", i), "''")
	}
	m := mutation(files)
	logged := map[string]int{}
	for run, want := range []struct{ lines, notLogged int }{
		{catalog.MaxProblemLines, n - catalog.MaxProblemLines},
		{catalog.MaxProblemLines, n - 2*catalog.MaxProblemLines},
		{n - 2*catalog.MaxProblemLines, 0},
		{0, 0},
	} {
		if _, err := cat.Apply(context.Background(), "file:/srv/*.yaml", m); err != nil {
			t.Fatal(err)
		}
		lines, notLogged := 0, 0
		for _, l := range logs.take(t) {
			switch l["msg"] {
			case "rejected entity":
				lines++
				logged[l["entity"].(string)]++
			default:
				if l["not_logged"] == nil {
					t.Fatalf("run %d: unexpected warning %v", run+1, l)
				}
				notLogged = int(l["not_logged"].(float64))
			}
		}
		if lines != want.lines || notLogged != want.notLogged {
			t.Errorf("run %d: %d lines and not_logged %d, want %d and %d", run+1, lines, notLogged, want.lines, want.notLogged)
		}
	}
	for i := range n {
		if ref := fmt.Sprintf("api:default/api-%03d", i); logged[ref] != 1 {
			t.Errorf("%s logged %d times, want once", ref, logged[ref])
		}
	}
}

// TestDeltaMutationsRememberProblemsPerEntity: a delta (one changed file)
// logs only its own new problems, and an entity removed and added back
// broken is logged again.
func TestDeltaMutationsRememberProblemsPerEntity(t *testing.T) {
	logs := &logLines{}
	cat := catalog.New(storetest.SQLite(t), catalog.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	ctx := context.Background()
	apply := func(m catalog.Mutation) int {
		t.Helper()
		if _, err := cat.Apply(ctx, "file:/srv/*.yaml", m); err != nil {
			t.Fatal(err)
		}
		return len(logs.take(t))
	}
	delta := func(file, content string) catalog.Mutation {
		m := mutation(map[string]string{file: content})
		m.Type = catalog.Delta
		return m
	}
	a := delta("file:/srv/a.yaml", fmt.Sprintf(apiDoc, "a", "''"))
	b := delta("file:/srv/b.yaml", fmt.Sprintf(apiDoc, "b", "''"))
	for i, step := range []struct {
		m    catalog.Mutation
		want int
	}{
		{a, 1},
		{b, 1},
		{a, 0}, // b's delta did not make Portico forget a
		{catalog.Mutation{Type: catalog.Delta, Removed: []catalog.Ref{catalog.MustParseRef("api:default/a")}}, 0},
		{a, 1},
	} {
		if got := apply(step.m); got != step.want {
			t.Errorf("step %d: %d warning lines, want %d", i+1, got, step.want)
		}
	}
}
