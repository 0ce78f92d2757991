package apihistory

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

func graphqlFile(name, sdl string) string {
	def, _ := json.Marshal(sdl)
	return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: " + name + "}\n" +
		"spec: {type: graphql, lifecycle: production, owner: team-a, definition: " + string(def) + "}\n"
}

// TestRecorderDiffsGraphQLAndTellsArrivals: a GraphQL API's new version
// is diffed when it arrives, as an OpenAPI one is, and the Arrived hook
// hears of it once, with the report; the first version (nothing to diff)
// and an unchanged sync are not announced.
func TestRecorderDiffsGraphQLAndTellsArrivals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		hist, err := Open(context.Background(), st.DB(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var heard []*apidiff.Report
		rec := NewRecorder(hist, st, RecorderOptions{Arrived: func(_ context.Context, v Version, rep *apidiff.Report) {
			mu.Lock()
			defer mu.Unlock()
			if v.EntityKey != "api:default/films" || v.PrevID == 0 {
				t.Errorf("arrival of %+v", v)
			}
			heard = append(heard, rep)
		}})
		rec.WatchWritesOf(st)
		cat := catalog.New(st, catalog.Options{Processors: []catalog.Processor{rec.Processor()}})
		cat.AddCommitHook(rec.CommitHook())
		r := &rig{t: t, cat: cat, hist: hist, rec: rec}

		r.sync(map[string]string{"file:/srv/films.yaml": graphqlFile("films", "type Query { film(id: ID!): String films: [String] }")})
		r.sync(map[string]string{"file:/srv/films.yaml": graphqlFile("films", "type Query { film(id: ID!): String films: [String] }")})
		r.sync(map[string]string{"file:/srv/films.yaml": graphqlFile("films", "type Query { film(id: ID!): String }")})

		tl := r.versions("api:default/films")
		if len(tl) != 2 || tl[0].SpecType != "graphql" {
			t.Fatalf("timeline: %+v", tl)
		}
		if tl[0].Changes == nil || tl[0].Changes.Breaking != 1 {
			t.Errorf("diff counts of the new GraphQL version: %+v", tl[0].Changes)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(heard) != 1 || heard[0].Counts.Breaking != 1 {
			t.Fatalf("arrivals: %d, %+v", len(heard), heard)
		}
	})
}
