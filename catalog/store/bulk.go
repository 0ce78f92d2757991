package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
)

// deferredIndexes are the secondary indexes whose rows land at scattered
// places: a batch of 400 APIs adds rows under hundreds of distinct values
// (systems, titles, descriptions, relation targets), so each commit of a
// bulk load rewrites, and checkpoints, a page per value. With 10,000 APIs
// that is a few dozen pages per index; with 100,000 it is hundreds, and a
// batch's write time grew from ~110 to ~190 ms of CPU (issue 15, item 8).
// A first load into an empty catalog drops them and builds them once at the
// end, which is a sort. Open creates any that are missing, so a load that
// never finished (a crash) leaves a database that is whole again at the
// next start. Each statement must define the index exactly as the
// migrations do (TestDeferredIndexesMatchTheMigrations), and since Open
// runs the migrations before it restores these indexes, a migration that
// changes one must use DROP INDEX IF EXISTS.
var deferredIndexes = []struct{ name, create string }{
	{"search_key_value", "CREATE INDEX search_key_value ON search (key, value, ref_key, entity_id)"},
	{"relations_source", "CREATE INDEX relations_source ON relations (source_key, type, target_key)"},
	{"relations_target", "CREATE INDEX relations_target ON relations (type_key, target_key)"},
}

// bulkLoadMin is the smallest load that defers the indexes: below it
// maintaining them row by row costs less than building them.
const bulkLoadMin = 2000

// BeginBulkLoad prepares the store for a load of about n new entities
// arriving as many mutations, when the catalog holds few entities next to
// n. On SQLite the deferred indexes are dropped until the returned end
// runs, which builds them; on PostgreSQL, which keeps every index (other
// replicas read them), end vacuums and analyses the catalog's tables
// (vacuumAfterLoad). Reads stay correct meanwhile; end must run (even after
// a failed load) before the caller reports the load done. Loads that
// overlap share one window: the last end does the work. Small loads, and
// loads into a catalog that already holds a quarter of n, get an end that
// does nothing.
func (s *Store) BeginBulkLoad(ctx context.Context, n int) (end func(context.Context) error, err error) {
	noop := func(context.Context) error { return nil }
	sqlite := s.dialect.name() == SQLite
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	if s.bulkLoads == 0 {
		var have int
		if err := s.sql.QueryRowContext(ctx, "SELECT count(*) FROM entities").Scan(&have); err != nil {
			if !sqlite {
				// Only an optimisation is lost: the load goes on.
				s.log.Warn("bulk load: could not count the stored entities; the load's end will not vacuum", "err", err)
				return noop, nil
			}
			return noop, fmt.Errorf("begin bulk load: %w", err)
		}
		if n < bulkLoadMin || have*4 > n {
			if !sqlite {
				return noop, nil
			}
			// Building the indexes again covers what is stored too. A
			// load that does not defer them makes sure they are there: an
			// earlier window's end may have failed (a full disk, a
			// cancelled load).
			return noop, s.restoreDeferredIndexes(ctx)
		}
		if sqlite {
			if err := s.execWriter(ctx, 0, func(name, _ string) string { return "DROP INDEX IF EXISTS " + name }); err != nil {
				return noop, fmt.Errorf("begin bulk load: %w", err)
			}
			s.log.Debug("bulk load: indexes deferred", "entities", n)
		}
	}
	s.bulkLoads++
	var once bool
	return func(ctx context.Context) error {
		s.bulkMu.Lock()
		defer s.bulkMu.Unlock()
		if once {
			return nil
		}
		once = true
		if s.bulkLoads--; s.bulkLoads > 0 {
			return nil
		}
		if !sqlite {
			s.vacuumAfterLoad(ctx)
			return nil
		}
		start := time.Now()
		if err := s.createDeferredIndexes(ctx); err != nil {
			return fmt.Errorf("end bulk load: %w", err)
		}
		built := time.Now()
		// The build wrote the indexes (~125 MB at 100,000 APIs) to the WAL;
		// copying them into the database before the load counts as done
		// keeps that I/O from stalling the first page views (a by-name read
		// took 76 ms behind it, against 5 ms).
		if err := s.checkpoint(ctx, "", false); err != nil {
			s.log.Debug("bulk load: checkpoint after the index build", "err", err)
		}
		s.log.Debug("bulk load: indexes built", "build", built.Sub(start), "checkpoint", time.Since(built))
		return nil
	}, nil
}

// createDeferredIndexes creates the deferred indexes that do not exist.
// Each build sorts the table's rows, the one step of a first load that
// grows faster than the catalog (a merge of sorted runs once they
// outgrow the writer's cache: 0.2 s at 10,000 APIs, 2.7–3.2 s at
// 100,000). SQLite's sorter may hand runs to helper threads (PRAGMA
// threads, none by default); with one per spare processor the build at
// 100,000 APIs took 2.2–2.8 s of wall time instead of 2.9–3.6 s (for
// ~30 % more CPU), and nothing else runs while it does.
func (s *Store) createDeferredIndexes(ctx context.Context) error {
	return s.execWriter(ctx, sorterThreads(), func(_, create string) string {
		return strings.Replace(create, "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
	})
}

// sorterThreads is how many helper threads SQLite's sorter may start for
// an index build: one per processor besides the builder's own, at most 3.
func sorterThreads() int {
	return min(runtime.GOMAXPROCS(0)-1, 3)
}

// execWriter runs one statement per deferred index through the writer,
// holding applyMu so that mutations queue instead of meeting SQLite's busy
// timeout while an index is built. With threads > 0 the sorter may use
// that many helper threads for these statements only: the writer's
// mutations go back to none.
func (s *Store) execWriter(ctx context.Context, threads int, stmt func(name, create string) string) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	conn, err := s.writeConn(ctx)
	if err != nil {
		return err
	}
	defer s.releaseWriteConn(conn)
	if threads > 0 {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA threads = %d", threads)); err != nil {
			return fmt.Errorf("sorter threads: %w", err)
		}
		defer func() {
			if _, err := conn.ExecContext(context.Background(), "PRAGMA threads = 0"); err != nil {
				s.log.Warn("reset sqlite sorter threads", "err", err)
			}
		}()
	}
	for _, ix := range deferredIndexes {
		if _, err := conn.ExecContext(ctx, stmt(ix.name, ix.create)); err != nil {
			return fmt.Errorf("%s: %w", ix.name, err)
		}
	}
	// Statements prepared before the schema changed are prepared again by
	// SQLite on their next use.
	return nil
}

// restoreDeferredIndexes builds the deferred indexes a bulk load that
// never ended (the process stopped during it) left missing.
func (s *Store) restoreDeferredIndexes(ctx context.Context) error {
	names := make([]any, len(deferredIndexes))
	for i, ix := range deferredIndexes {
		names[i] = ix.name
	}
	var have int
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN (" + placeholders(len(names)) + ")"
	if err := s.sql.QueryRowContext(ctx, q, names...).Scan(&have); err != nil {
		return fmt.Errorf("check indexes: %w", err)
	}
	if have == len(deferredIndexes) {
		return nil
	}
	s.log.Warn("building the indexes an interrupted bulk load deferred", "missing", len(deferredIndexes)-have)
	if err := s.createDeferredIndexes(ctx); err != nil {
		return fmt.Errorf("build indexes: %w", err)
	}
	return nil
}

// analysedTables are the catalog's tables a large PostgreSQL load ends by
// vacuuming and analysing.
var analysedTables = []string{"entities", "entity_bodies", "search", "relations"}

// maintenanceReadTimeout bounds a VACUUM's wait for its answer: the pool's
// connections give up after 10 s (pgdriver's default), which a table of a
// few million rows can take.
const maintenanceReadTimeout = 30 * time.Minute

// vacuumAfterLoad vacuums and analyses the catalog's tables after a large
// PostgreSQL load, as PostgreSQL's manual advises after a bulk load. Until
// autovacuum gets to them (never, where it is off) the planner knows
// nothing of their sizes or values, and no page is marked all-visible, so
// every index-only scan (search_key_value, entities_page) reads the table
// too: a by-query at 100,000 APIs hashed a third of the search index
// instead of merging within it. It takes ~3 s at 100,000 APIs, which the
// load pays before it counts as done, so that its first readers do not.
// Each table is one statement on a connection of its own that waits long
// enough. The load is whole without it: a failure is logged, not the
// load's. (A role that does not own a table gets a warning from
// PostgreSQL and no vacuum; the statement still succeeds.)
func (s *Store) vacuumAfterLoad(ctx context.Context) {
	db := s.maintenanceDB()
	defer db.Close()
	start := time.Now()
	for _, table := range analysedTables {
		// VACUUM runs outside a transaction and blocks neither reads
		// nor writes.
		if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE) "+table); err != nil {
			s.log.Warn("bulk load: vacuum and analyse did not finish; queries stay slower until autovacuum does them", "table", table, "err", err)
			return
		}
	}
	s.log.Debug("bulk load: tables vacuumed and analysed", "duration", time.Since(start))
}

// maintenanceDB is a PostgreSQL connection pool for one maintenance task
// (a VACUUM, a long migration) that waits maintenanceReadTimeout for an
// answer; the caller closes it.
func (s *Store) maintenanceDB() *sql.DB {
	return sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(s.pgDSN), pgdriver.WithReadTimeout(maintenanceReadTimeout)))
}
