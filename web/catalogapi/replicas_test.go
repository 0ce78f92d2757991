package catalogapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/catalogtest"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// Two replicas on one PostgreSQL database, each with its catalog API and
// response cache as the catalog plugin sets it up: after one replica
// writes, the other's cached answers — by-query, by-name, entity-facets —
// are not served again. An outside test saw them served for 4.5 s (the
// cache's TTL then), and facet counts for ~10 s, with the previous
// catalog, while fresh URLs on the same replica had the new one.
func TestAnotherReplicasWriteEndsCachedAnswers(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	open := func(tb testing.TB) *store.Store { return storetest.OpenPostgres(tb, dsn) }
	reader := newTestEnv(t, open, Options{})
	writer := catalog.New(open(t), catalog.Options{})

	byQuery := "/api/catalog/entities/by-query?filter=kind=api&limit=100"
	byName := "/api/catalog/entities/by-name/api/default/api-000003"
	facets := "/api/catalog/entity-facets?facet=kind"
	before := map[string]string{}
	for _, u := range []string{byQuery, byName, facets} {
		before[u] = mustGet(t, reader, u)
		if again := mustGet(t, reader, u); again != before[u] { // now from the cache
			t.Fatalf("%s answered twice differently", u)
		}
	}
	if n, _ := reader.api.cache.stats(); n != 3 {
		t.Fatalf("%d answers cached, want 3", n)
	}

	// The other replica's source now holds api-000003 changed and a new
	// API (a second source, so that the first's entities stay).
	changed := catalogtest.APIEntity(3, 200)
	changed.Metadata.Description = "changed by the other replica"
	catalogtest.Ingest(t, writer, "file:/catalog/all.yaml", reingest(changed)...)
	catalogtest.Ingest(t, writer, "file:/catalog/more.yaml", catalogtest.APIEntity(100, 200))

	if page := decode[queryPage](t, mustGet(t, reader, byQuery)); page.TotalItems != 13 || len(page.Items) != 13 {
		t.Errorf("by-query after the other replica's write: totalItems %d, %d items; want 13", page.TotalItems, len(page.Items))
	}
	if got := mustGet(t, reader, byName); !strings.Contains(got, "changed by the other replica") {
		t.Errorf("by-name after the other replica's write: %.300s", got)
	}
	if got := mustGet(t, reader, facets); got == before[facets] || !strings.Contains(got, `"count":13`) {
		t.Errorf("entity-facets after the other replica's write: %s", got)
	}
}

// reingest is the test environment's first source (newTestEnv) with e in
// place of the API of the same name.
func reingest(e catalog.Entity) []catalog.Entity {
	entities := []catalog.Entity{catalogtest.GroupEntity("team-a"), catalogtest.GroupEntity("team-b")}
	for i := range 12 {
		api := catalogtest.APIEntity(i, 200)
		if api.Metadata.Name == e.Metadata.Name {
			api = e
		}
		entities = append(entities, api)
	}
	return entities
}

// failingGenerations is a store whose replicas' generation cannot be read
// (its database does not answer), counting the queries it is asked.
type failingGenerations struct {
	*store.Store
	queries atomic.Int32
}

func (f *failingGenerations) ReplicasGeneration(context.Context) (uint64, error) {
	return 0, errors.New("connection refused")
}

func (f *failingGenerations) Query(ctx context.Context, q catalog.Query) (catalog.Page, error) {
	f.queries.Add(1)
	return f.Store.Query(ctx, q)
}

// When the generation cannot be read, a cached route answers 503 at once
// rather than asking the database a second time for the answer.
func TestAGenerationThatCannotBeReadAnswers503(t *testing.T) {
	st := &failingGenerations{Store: storetest.SQLite(t)}
	srv, _ := serve(Options{Store: st})
	env := &testEnv{srv: srv}
	res, body := env.do(t, "GET", "/api/catalog/entities/by-query?filter=kind=api", "")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "ServiceUnavailableError") {
		t.Errorf("status %d: %s; want 503 ServiceUnavailableError", res.StatusCode, body)
	}
	if n := st.queries.Load(); n != 0 {
		t.Errorf("the store was queried %d times after its generation could not be read", n)
	}
}
