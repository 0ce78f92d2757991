package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

// indexNames lists the deferred indexes the database has.
func indexNames(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for _, name := range queryStrings(t, s, "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name") {
		if slices.ContainsFunc(deferredIndexes, func(ix struct{ name, create string }) bool { return ix.name == name }) {
			out = append(out, name)
		}
	}
	return out
}

var allDeferred = []string{"relations_source", "relations_target", "search_key_value"}

// The indexes a bulk load builds at its end are the migrations' indexes,
// column for column: a migration that changes one must change
// deferredIndexes too.
func TestDeferredIndexesMatchTheMigrations(t *testing.T) {
	s := openSQLiteT(t)
	for _, ix := range deferredIndexes {
		var got string
		if err := s.sql.QueryRow("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", ix.name).Scan(&got); err != nil {
			t.Fatalf("%s: %v", ix.name, err)
		}
		if got != ix.create {
			t.Errorf("migrations define %s as\n  %s\nbulk.go builds\n  %s", ix.name, got, ix.create)
		}
	}
}

// bulkQueries are answered the same with and without the deferred indexes.
func bulkQueries(t *testing.T, s *Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, f := range map[string]catalog.Filter{
		"relation":         {{cond("relations.ownedby", "group:default/team-a")}},
		"reverse relation": {{cond("relations.ownerof", "api:default/orders")}},
		"value":            {{cond("spec.lifecycle", "production"), cond("kind", "api")}},
	} {
		page, err := s.Query(context.Background(), catalog.Query{Filter: f, Limit: 100})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = names(page.Items)
	}
	_, e := mustRef(t, s, "api:default/petstore")
	for _, r := range e.Relations {
		out["petstore relations"] = append(out["petstore relations"], r.Type+" "+r.TargetRef)
	}
	return out
}

func TestBulkLoadDefersIndexesUntilItsEnd(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteT(t)
	end, err := s.BeginBulkLoad(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if got := indexNames(t, s); len(got) != 0 {
		t.Fatalf("during the load the database has %v", got)
	}
	seedCatalog(t, s)
	during := bulkQueries(t, s)
	if err := end(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allDeferred, indexNames(t, s)); diff != "" {
		t.Fatalf("after the load (-want +got):\n%s", diff)
	}
	// The build's sorter threads are the build's: the writer's mutations
	// sort without them.
	if n := writerSorterThreads(t, s); n != 0 {
		t.Errorf("after the build the writer may start %d sorter threads, want 0", n)
	}
	if diff := cmp.Diff(during, bulkQueries(t, s)); diff != "" {
		t.Errorf("answers during the load differ from after (-during +after):\n%s", diff)
	}
	if len(during["relation"]) != 3 || len(during["petstore relations"]) != 1 {
		t.Errorf("answers during the load: %v", during)
	}
	if err := end(ctx); err != nil {
		t.Errorf("a second end: %v", err)
	}
}

func writerSorterThreads(t *testing.T, s *Store) int {
	t.Helper()
	ctx := context.Background()
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	conn, err := s.writeConn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.releaseWriteConn(conn)
	var n int
	if err := conn.QueryRowContext(ctx, "PRAGMA threads").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Overlapping loads share one window; small loads and loads into a full
// catalog keep the indexes.
func TestBulkLoadWindow(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteT(t)
	small, err := s.BeginBulkLoad(ctx, bulkLoadMin-1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allDeferred, indexNames(t, s)); diff != "" {
		t.Fatalf("a small load dropped indexes (-want +got):\n%s", diff)
	}
	small(ctx)

	first, _ := s.BeginBulkLoad(ctx, 5000)
	second, _ := s.BeginBulkLoad(ctx, 5000)
	if err := first(ctx); err != nil {
		t.Fatal(err)
	}
	if got := indexNames(t, s); len(got) != 0 {
		t.Fatalf("the first of two loads to end built %v", got)
	}
	if err := second(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allDeferred, indexNames(t, s)); diff != "" {
		t.Fatalf("after both loads (-want +got):\n%s", diff)
	}

	var es []catalog.ProcessedEntity
	for i := range 1000 {
		es = append(es, testEntity("API", fmt.Sprintf("api-%05d", i)))
	}
	apply(t, s, "p", catalog.Full, es...)
	end, _ := s.BeginBulkLoad(ctx, 3000)
	if diff := cmp.Diff(allDeferred, indexNames(t, s)); diff != "" {
		t.Errorf("a load of 3,000 beside 1,000 stored entities dropped indexes (-want +got):\n%s", diff)
	}
	end(ctx)
}

// A process that stops during a bulk load leaves the indexes dropped; the
// next Open builds them.
func TestInterruptedBulkLoadIsMendedAtOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	s, err := Open(ctx, Config{Driver: "sqlite", DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginBulkLoad(ctx, 10000); err != nil {
		t.Fatal(err)
	}
	seedCatalog(t, s)
	s.Close()

	s, err = Open(ctx, Config{Driver: "sqlite", DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if diff := cmp.Diff(allDeferred, indexNames(t, s)); diff != "" {
		t.Fatalf("after reopening (-want +got):\n%s", diff)
	}
	if got := bulkQueries(t, s)["relation"]; len(got) != 3 {
		t.Errorf("relation query after reopening: %v", got)
	}
}

// A load that did not defer the indexes builds what an earlier window's
// failed end left missing.
func TestBulkLoadRestoresMissingIndexes(t *testing.T) {
	ctx := context.Background()
	s := openSQLiteT(t)
	var es []catalog.ProcessedEntity
	for i := range 600 {
		es = append(es, testEntity("API", fmt.Sprintf("api-%05d", i)))
	}
	apply(t, s, "p", catalog.Full, es...)
	if _, err := s.sql.Exec("DROP INDEX search_key_value"); err != nil {
		t.Fatal(err)
	}
	end, err := s.BeginBulkLoad(ctx, bulkLoadMin)
	if err != nil {
		t.Fatal(err)
	}
	end(ctx)
	if diff := cmp.Diff(allDeferred, indexNames(t, s)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

// A large first load into PostgreSQL ends vacuumed and analysed, so that
// the planner has statistics and index-only scans skip the table even where
// autovacuum is off or late; a small load leaves that to autovacuum, and
// overlapping loads vacuum once, when the last ends.
func TestPGBulkLoadEndsVacuumedAndAnalysed(t *testing.T) {
	if pgRunDSN == "" {
		t.Skip("PORTICO_TEST_PG_DSN is not set")
	}
	ctx := context.Background()
	s := openPGT(t)
	counts := func() (vacuums, analyses int) {
		t.Helper()
		q := "SELECT vacuum_count, analyze_count FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'search'"
		if err := s.sql.QueryRowContext(ctx, q).Scan(&vacuums, &analyses); err != nil {
			t.Fatal(err)
		}
		return vacuums, analyses
	}
	// PostgreSQL 15 counts a vacuum at once; older servers report
	// statistics up to half a second late.
	settled := func(want int) (vacuums, analyses int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if vacuums, analyses = counts(); vacuums >= want && analyses >= want || time.Now().After(deadline) {
				return vacuums, analyses
			}
		}
	}
	small, err := s.BeginBulkLoad(ctx, bulkLoadMin-1)
	if err != nil {
		t.Fatal(err)
	}
	seedCatalog(t, s)
	if err := small(ctx); err != nil {
		t.Fatal(err)
	}
	first, err := s.BeginBulkLoad(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.BeginBulkLoad(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if err := first(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond) // what a late report would need
	if v, a := counts(); v != 0 || a != 0 {
		t.Fatalf("a small load and the first of two overlapping ones: %d vacuums, %d analyses of search; want none", v, a)
	}
	if err := second(ctx); err != nil {
		t.Fatal(err)
	}
	if err := second(ctx); err != nil {
		t.Fatal(err)
	}
	if v, a := settled(1); v != 1 || a != 1 {
		t.Errorf("after the last load ended: %d vacuums, %d analyses of search; want 1 each", v, a)
	}
}
