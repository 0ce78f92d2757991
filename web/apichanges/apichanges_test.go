package apichanges

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
	"github.com/porticohq/portico/web"
)

const v1 = `openapi: 3.0.3
info: {title: Pets, version: "1.0"}
paths:
  /pets:
    get:
      responses:
        "200": {description: ok}
  /pets/{id}:
    delete:
      operationId: deletePet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: deleted}
`

var (
	v2 = strings.Replace(strings.Replace(v1, "  /pets/{id}:\n    delete:\n      operationId: deletePet\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        \"204\": {description: deleted}\n", "", 1), `"1.0"`, `"2.0"`, 1)
	v3 = strings.Replace(v2, "paths:\n", "paths:\n  /owners:\n    get:\n      responses:\n        \"200\": {description: ok}\n", 1)
)

type server struct {
	t   *testing.T
	srv *httptest.Server
	ids []int64 // versions, oldest first
	cat *catalog.Catalog
	rec *apihistory.Recorder
}

func newServer(t *testing.T, st *store.Store) *server {
	t.Helper()
	ctx := context.Background()
	hist, err := apihistory.Open(ctx, st.DB(), nil)
	if err != nil {
		t.Fatal(err)
	}
	hist.ReadingCurrentFrom(st)
	rec := apihistory.NewRecorder(hist, st, apihistory.RecorderOptions{})
	rec.WatchWritesOf(st)
	cat := catalog.New(st, catalog.Options{Processors: []catalog.Processor{rec.Processor()}})
	cat.AddCommitHook(rec.CommitHook())
	s := &server{t: t, cat: cat, rec: rec}
	for _, def := range []string{v1, v2, v3} {
		d, _ := json.Marshal(def)
		ents, probs := catalog.ParseYAML([]byte("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: pets}\n"+
			"spec: {type: openapi, lifecycle: production, owner: team-a, definition: "+string(d)+"}\n"), catalog.Source{Location: "file:/srv/pets.yaml"})
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		if _, err := cat.Apply(ctx, "file", catalog.Mutation{Type: catalog.Full, Entities: ents}); err != nil {
			t.Fatal(err)
		}
		rec.Flush(ctx)
	}
	tl, err := hist.Timeline(ctx, "api:default/pets")
	if err != nil || len(tl) != 3 {
		t.Fatalf("timeline: %d, %v", len(tl), err)
	}
	for i := len(tl) - 1; i >= 0; i-- {
		s.ids = append(s.ids, tl[i].ID)
	}
	w := web.New(web.Options{Store: st})
	Register(w.Echo, &Handler{History: hist, Differ: rec, Catalog: st})
	s.srv = httptest.NewServer(w.Echo)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) get(path string, into any) int {
	s.t.Helper()
	resp, err := http.Get(s.srv.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode
}

func TestVersionsListsCurrentFirstWithCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newServer(t, st)
		var body struct{ Items []VersionJSON }
		if code := s.get("/api/apidocs/default/pets/versions", &body); code != 200 {
			t.Fatalf("status %d", code)
		}
		it := body.Items
		if len(it) != 3 || it[0].ID != s.ids[2] || !it[0].Current || it[1].Current || it[0].InfoVersion != "2.0" {
			t.Fatalf("items = %+v", it)
		}
		if it[1].Changes == nil || it[1].Changes.Breaking != 1 || it[0].Changes == nil || it[0].Changes.Breaking != 0 || it[2].Changes != nil {
			t.Errorf("change counts: %+v / %+v / %+v", it[0].Changes, it[1].Changes, it[2].Changes)
		}
		var e map[string]any
		if code := s.get("/api/apidocs/default/absent/versions", &e); code != 404 {
			t.Errorf("unknown API: %d %v", code, e)
		}
	})
}

func TestDiffEndpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newServer(t, st)
		var d DiffJSON
		// Default: the current version against the one before it.
		if code := s.get("/api/apidocs/default/pets/diff", &d); code != 200 || d.To.ID != s.ids[2] || d.From.ID != s.ids[1] ||
			d.Report == nil || d.Counts.Breaking != 0 || d.Counts.Info == 0 {
			t.Fatalf("default diff: %d %+v", code, d)
		}
		d = DiffJSON{}
		path := "/api/apidocs/default/pets/diff?from=" + id64(s.ids[0]) + "&to=" + id64(s.ids[2])
		if code := s.get(path, &d); code != 200 || d.Counts.Breaking != 1 || d.Groups[0].Method != "DELETE" || d.Groups[0].OperationKey != "deletePet" {
			t.Fatalf("first→current: %d %+v", code, d)
		}
		for q, want := range map[string]int{
			"?to=" + id64(s.ids[0]): 400, // the first version has no previous one
			"?from=abc":             400,
			"?from=999999":          404,
		} {
			var e struct{ Error struct{ Message string } }
			if code := s.get("/api/apidocs/default/pets/diff"+q, &e); code != want || e.Error.Message == "" {
				t.Errorf("%s: %d %+v, want %d with a message", q, code, e, want)
			}
		}
	})
}

// TestAtomFeeds: the catalog's and an API's change feeds list the versions
// newest first, mark the breaking one and link to its Changes tab (issue
// 16 item 5); an API with no versions has no feed.
func TestAtomFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newServer(t, st)
		for _, path := range []string{"/apis/changes.atom", "/catalog/default/api/pets/changes.atom"} {
			resp, err := http.Get(s.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			var feed struct {
				Title   string `xml:"title"`
				Entries []struct {
					Title   string `xml:"title"`
					Summary string `xml:"summary"`
					Link    struct {
						Href string `xml:"href,attr"`
					} `xml:"link"`
					Category []struct {
						Term string `xml:"term,attr"`
					} `xml:"category"`
				} `xml:"entry"`
			}
			err = xml.NewDecoder(resp.Body).Decode(&feed)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
				t.Fatalf("GET %s: %d %s: %v", path, resp.StatusCode, resp.Header.Get("Content-Type"), err)
			}
			if len(feed.Entries) != 3 {
				t.Fatalf("%s: %d entries, want 3", path, len(feed.Entries))
			}
			// Newest first: v3 (an added path), v2 (an operation removed), v1.
			breaking := feed.Entries[1]
			if !strings.Contains(breaking.Title, "api:default/pets 2.0: breaking changes") || !strings.HasPrefix(breaking.Summary, "1 breaking") ||
				len(breaking.Category) != 1 || breaking.Category[0].Term != "breaking" {
				t.Errorf("%s: the breaking version's entry: %+v", path, breaking)
			}
			if want := "/catalog/default/api/pets/changes?to=" + id64(s.ids[1]); breaking.Link.Href != want {
				t.Errorf("%s: link %q, want %q", path, breaking.Link.Href, want)
			}
			if feed.Entries[0].Category != nil || feed.Entries[2].Summary != "First version recorded." {
				t.Errorf("%s: other entries: %+v", path, feed.Entries)
			}
		}
		resp, err := http.Get(s.srv.URL + "/catalog/default/api/nope/changes.atom")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("feed of an API without versions: %d, want 404", resp.StatusCode)
		}
	})
}

// Outside test: a feed with no entry yet said
// <updated>1970-01-01T00:00:00Z</updated>. It is now when the history
// began in this database, the same on every request.
func TestAnEmptyFeedWasUpdatedWhenTheHistoryBegan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		before := time.Now().Truncate(time.Second) // RFC 3339 in whole seconds
		s := newServer(t, st)
		var updated [2]string
		for i := range updated {
			resp, err := http.Get(s.srv.URL + "/apis/changes.atom?owner=group:default/nobody")
			if err != nil {
				t.Fatal(err)
			}
			var feed struct {
				Updated string     `xml:"updated"`
				Entries []struct{} `xml:"entry"`
			}
			err = xml.NewDecoder(resp.Body).Decode(&feed)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || len(feed.Entries) != 0 {
				t.Fatalf("empty feed: %d, %d entries, %v", resp.StatusCode, len(feed.Entries), err)
			}
			updated[i] = feed.Updated
		}
		at, err := time.Parse(time.RFC3339, updated[0])
		if err != nil || at.Before(before) || at.After(time.Now()) {
			t.Errorf("updated %q (%v), want when the history was set up, after %s", updated[0], err, before.Format(time.RFC3339))
		}
		if updated[1] != updated[0] {
			t.Errorf("updated moved between two requests: %s, then %s", updated[0], updated[1])
		}
	})
}

// Outside test: after an API was deleted, its feed still answered 200
// with entries linking to its (404) Changes tab, and /versions still
// called its last version current.
func TestARemovedAPIHasNoCurrentVersionAndNoFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newServer(t, st)
		if _, err := s.cat.Apply(context.Background(), "file", catalog.Mutation{Type: catalog.Full}); err != nil {
			t.Fatal(err)
		}
		var got struct{ Items []VersionJSON }
		if code := s.get("/api/apidocs/default/pets/versions", &got); code != http.StatusOK || len(got.Items) != 3 {
			t.Fatalf("versions of a removed API: %d, %d items", code, len(got.Items))
		}
		for _, v := range got.Items {
			if v.Current {
				t.Errorf("version %d of a removed API is current", v.ID)
			}
		}
		var d DiffJSON
		if code := s.get("/api/apidocs/default/pets/diff", &d); code != http.StatusOK || d.To.Current || d.Counts.Breaking != 0 {
			t.Errorf("diff of a removed API: %d, to current %v", code, d.To.Current)
		}
		resp, err := http.Get(s.srv.URL + "/catalog/default/api/pets/changes.atom")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("feed of a removed API: %d, want 404", resp.StatusCode)
		}
	})
}

// sync applies one version of API name with spec.type specType (alone in
// the "sync" provider's bucket) and records it.
func (s *server) sync(name, specType, definition string) {
	s.t.Helper()
	d, _ := json.Marshal(definition)
	ents, probs := catalog.ParseYAML([]byte("apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: "+name+"}\n"+
		"spec: {type: "+specType+", lifecycle: production, owner: team-a, definition: "+string(d)+"}\n"), catalog.Source{Location: "file:/srv/" + name + ".yaml"})
	if len(probs) > 0 {
		s.t.Fatal(probs)
	}
	if _, err := s.cat.Apply(context.Background(), "sync-"+name, catalog.Mutation{Type: catalog.Full, Entities: ents}); err != nil {
		s.t.Fatal(err)
	}
	s.rec.Flush(context.Background())
}

// TestFeedSaysWhyChangesAreMissing: an entry whose diff failed says the
// changes could not be computed and why (escaped), and one of a type that
// is not diffed says so; neither claims its changes are still to come.
func TestFeedSaysWhyChangesAreMissing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := newServer(t, st)
		s.sync("films", "graphql", "type Query {\n  film: String\n}\n")
		s.sync("films", "graphql", "type Query {\n")
		s.sync("docs", "other", "v1")
		s.sync("docs", "other", "v2")
		for api, want := range map[string][]string{
			"films": {"could not be computed: ", "found <EOF>"},
			"docs":  {"Portico compares OpenAPI, AsyncAPI, GraphQL and gRPC definitions", `"other"`},
		} {
			resp, err := http.Get(s.srv.URL + "/catalog/default/api/" + api + "/changes.atom")
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %v", api, resp.StatusCode, err)
			}
			var feed struct {
				Entries []struct {
					Summary string `xml:"summary"`
				} `xml:"entry"`
			}
			if err := xml.Unmarshal(raw, &feed); err != nil || len(feed.Entries) != 2 {
				t.Fatalf("%s: %d entries, %v\n%s", api, len(feed.Entries), err, raw)
			}
			got := feed.Entries[0].Summary
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("%s: summary %q does not say %q", api, got, w)
				}
			}
			if strings.Contains(got, "not computed yet") {
				t.Errorf("%s: summary %q says the changes are still to come", api, got)
			}
		}
		resp, err := http.Get(s.srv.URL + "/apis/changes.atom")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if raw, _ := io.ReadAll(resp.Body); !strings.Contains(string(raw), "found &lt;EOF&gt;") {
			t.Errorf("the catalog feed does not carry the escaped error:\n%s", raw)
		}
	})
}
