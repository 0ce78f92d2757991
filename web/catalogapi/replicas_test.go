package catalogapi

import (
	"context"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/catalogtest"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// Two replicas on one PostgreSQL database, each with its catalog API and
// response cache as the catalog plugin sets it up (a 5 s TTL): after one
// replica writes, the other's cached answers are not served again. An
// outside test saw them served for 4.5 s, totals and items of the
// previous catalog, while fresh URLs on the same replica had the new one.
func TestAnotherReplicasWriteEndsCachedAnswers(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	open := func(testing.TB) *store.Store {
		st, err := store.Open(context.Background(), store.Config{Driver: store.Postgres, DSN: dsn})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	reader := newTestEnv(t, open, Options{CacheTTL: 5 * time.Second})
	writer := catalog.New(open(t), catalog.Options{})

	byQuery := "/api/catalog/entities/by-query?filter=kind=api&limit=100"
	if page := decode[queryPage](t, mustGet(t, reader, byQuery)); page.TotalItems != 12 {
		t.Fatalf("totalItems %d, want 12", page.TotalItems)
	}
	mustGet(t, reader, byQuery) // served from the cache now
	if n, _ := reader.api.cache.stats(); n == 0 {
		t.Fatal("nothing cached")
	}

	catalogtest.Ingest(t, writer, "file:/catalog/more.yaml", catalogtest.APIEntity(100, 200))
	page := decode[queryPage](t, mustGet(t, reader, byQuery))
	if page.TotalItems != 13 || len(page.Items) != 13 {
		t.Errorf("after the other replica's write: totalItems %d, %d items; want 13", page.TotalItems, len(page.Items))
	}
}
