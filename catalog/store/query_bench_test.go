package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
)

// The by-query benchmark's catalog has the shape of scripts/scale's: owners
// of 50 groups, 200 systems, three lifecycles, so that a filter matches the
// same share of the catalog at every size.
const (
	benchGroups  = 50
	benchSystems = 200
)

// benchQueryAPIs is the catalog size of BenchmarkQueryUncached:
// PORTICO_BENCH_APIS, 10,000 by default.
func benchQueryAPIs(tb testing.TB) int {
	n := 10000
	if v := os.Getenv("PORTICO_BENCH_APIS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			tb.Fatalf("PORTICO_BENCH_APIS=%q: want a positive number", v)
		}
	}
	return n
}

// queryBenchEntity is API number i: a ~1 KB body (the query reads only a
// page of bodies), owner, system and lifecycle as scripts/scale spreads them.
func queryBenchEntity(i int) catalog.ProcessedEntity {
	def := strings.Repeat("openapi: 3.0.0\ninfo: {title: generated, version: 1.0.0}\n", 16)
	pe := testEntity("API", fmt.Sprintf("api-%06d", i),
		title(fmt.Sprintf("API number %d", i)),
		description("A generated API for benchmarks"),
		tags("rest", fmt.Sprintf("tag-%d", i%10)),
		spec("type", "openapi", "lifecycle", []string{"production", "experimental", "deprecated"}[i%3],
			"system", fmt.Sprintf("system-%03d", i%benchSystems), "definition", def),
		ownedBy(fmt.Sprintf("group:default/team-%03d", i%benchGroups)),
	)
	return pe
}

// queryBenchStores opens the benchmark's catalog of n APIs on each dialect.
// With PORTICO_BENCH_DB_DIR set, the SQLite file (query-<n>.db there) and
// the PostgreSQL database (portico_bench_query_<n>) are kept and reused by
// the next run; loading 100,000 APIs takes minutes.
func queryBenchStores(b *testing.B, n int) map[string]*Store {
	ctx := context.Background()
	keep := os.Getenv("PORTICO_BENCH_DB_DIR")
	out := map[string]*Store{}
	var sqlite *Store
	if keep != "" {
		var err error
		sqlite, err = Open(ctx, Config{Driver: "sqlite", DSN: filepath.Join(keep, fmt.Sprintf("query-%d.db", n))})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { sqlite.Close() })
	} else {
		sqlite = openSQLiteT(b)
	}
	out[SQLite] = sqlite
	if server := os.Getenv("PORTICO_TEST_PG_DSN"); server != "" {
		var pg *Store
		if keep != "" {
			name := fmt.Sprintf("portico_bench_query_%d", n)
			if err := EnsurePGDatabase(ctx, server, name); err != nil {
				b.Fatal(err)
			}
			var err error
			if pg, err = Open(ctx, Config{Driver: "pg", DSN: withParams(server, name, nil)}); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { pg.Close() })
		} else {
			pg = openPGT(b)
		}
		out[Postgres] = pg
	}
	for name, s := range out {
		fillQueryBench(b, name, s, n)
	}
	return out
}

// fillQueryBench loads n APIs into s unless it holds them already.
func fillQueryBench(b *testing.B, name string, s *Store, n int) {
	ctx := context.Background()
	page, err := s.Query(ctx, catalog.Query{Filter: catalog.Filter{{cond("kind", "api")}}, Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	if page.TotalItems == n {
		return
	}
	start := time.Now()
	const batch = 2000
	for lo := 0; lo < n; lo += batch {
		es := make([]catalog.ProcessedEntity, 0, batch)
		for i := lo; i < min(lo+batch, n); i++ {
			es = append(es, queryBenchEntity(i))
		}
		if _, err := s.Apply(ctx, catalog.StoreMutation{Provider: "bench", Type: catalog.Delta, Entities: es}); err != nil {
			b.Fatal(err)
		}
	}
	if name == Postgres {
		// What autovacuum would do some time after a bulk load.
		if _, err := s.sql.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: loaded %d APIs in %s", name, n, time.Since(start).Round(time.Millisecond))
}

// BenchmarkQueryUncached measures by-query as scripts/scale sends it, with
// the store's count cache emptied before every query: a random owner and
// lifecycle, or a random system, a limit of 5–24 and an offset below 20;
// and by-name (ByRef) of a random API. The estimates that pick a query's
// driver are kept, as the server keeps them until the next write, except
// in the "cold" variants, which count them again for every query. Besides ns/op it
// reports this process's CPU time (PostgreSQL's own is not in it) and the
// p50/p99 wall time per query.
//
//	PORTICO_BENCH_APIS=100000 PORTICO_BENCH_DB_DIR=/tmp/bench \
//	  go test -run '^$' -bench QueryUncached -benchtime 400x ./catalog/store
func BenchmarkQueryUncached(b *testing.B) {
	n := benchQueryAPIs(b)
	stores := queryBenchStores(b, n)
	ctx := context.Background()
	queries := map[string]func(r *rand.Rand) catalog.Filter{
		"owner+lifecycle": func(r *rand.Rand) catalog.Filter {
			return catalog.Filter{{cond("kind", "api"), cond("spec.owner", fmt.Sprintf("group:default/team-%03d", r.IntN(benchGroups))),
				cond("spec.lifecycle", []string{"production", "experimental", "deprecated"}[r.IntN(3)])}}
		},
		"system": func(r *rand.Rand) catalog.Filter {
			return catalog.Filter{{cond("kind", "api"), cond("spec.system", fmt.Sprintf("system-%03d", r.IntN(benchSystems)))}}
		},
	}
	for _, db := range []string{SQLite, Postgres} {
		s := stores[db]
		if s == nil {
			continue
		}
		for _, name := range []string{"owner+lifecycle", "system", "owner+lifecycle/cold"} {
			filter := queries[strings.TrimSuffix(name, "/cold")]
			cold := strings.HasSuffix(name, "/cold")
			b.Run(fmt.Sprintf("%s/%d/%s", db, n, name), func(b *testing.B) {
				r := rand.New(rand.NewPCG(uint64(n), 7))
				var walls []time.Duration
				loop(b, func(int) {
					s.counts.reset()
					if cold {
						s.estimates.reset()
						s.idSets.reset()
					}
					start := time.Now()
					if _, err := s.Query(ctx, catalog.Query{Filter: filter(r), Limit: 5 + r.IntN(20), Offset: r.IntN(20)}); err != nil {
						b.Fatal(err)
					}
					walls = append(walls, time.Since(start))
				})
				reportPercentiles(b, walls)
			})
		}
		b.Run(fmt.Sprintf("%s/%d/by-name", db, n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(uint64(n), 7))
			var walls []time.Duration
			loop(b, func(int) {
				start := time.Now()
				if _, err := s.ByRef(ctx, catalog.Ref{Kind: "API", Namespace: "default", Name: fmt.Sprintf("api-%06d", r.IntN(n))}); err != nil {
					b.Fatal(err)
				}
				walls = append(walls, time.Since(start))
			})
			reportPercentiles(b, walls)
		})
	}
}

func reportPercentiles(b *testing.B, walls []time.Duration) {
	slices.Sort(walls)
	pct := func(p float64) float64 {
		return float64(walls[min(len(walls)-1, int(p*float64(len(walls))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
