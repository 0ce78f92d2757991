package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
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
	{"search_key_value", "CREATE INDEX search_key_value ON search (key, value, entity_id)"},
	{"relations_source", "CREATE INDEX relations_source ON relations (source_key, type, target_key)"},
	{"relations_target", "CREATE INDEX relations_target ON relations (type_key, target_key)"},
}

// bulkLoadMin is the smallest load that defers the indexes: below it
// maintaining them row by row costs less than building them.
const bulkLoadMin = 2000

// BeginBulkLoad prepares a SQLite store for a load of about n new entities
// arriving as many mutations: when the catalog holds few entities next to
// n, the deferred indexes are dropped until the returned end runs, which
// builds them. Reads stay correct meanwhile, only slower; end must run
// (even after a failed load) before the caller reports the load done. Loads
// that overlap share one window: the last end builds the indexes. Other
// stores and small loads get an end that does nothing.
func (s *Store) BeginBulkLoad(ctx context.Context, n int) (end func(context.Context) error, err error) {
	noop := func(context.Context) error { return nil }
	if s.dialect.name() != SQLite {
		return s.beginPGBulkLoad(ctx, n)
	}
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	if s.bulkLoads == 0 {
		var have int
		if err := s.sql.QueryRowContext(ctx, "SELECT count(*) FROM entities").Scan(&have); err != nil {
			return noop, fmt.Errorf("begin bulk load: %w", err)
		}
		// Building the indexes again covers what is stored too. A load
		// that does not defer them makes sure they are there: an earlier
		// window's end may have failed (a full disk, a cancelled load).
		if n < bulkLoadMin || have*4 > n {
			return noop, s.restoreDeferredIndexes(ctx)
		}
		if err := s.execWriter(ctx, func(name, _ string) string { return "DROP INDEX IF EXISTS " + name }); err != nil {
			return noop, fmt.Errorf("begin bulk load: %w", err)
		}
		s.log.Debug("bulk load: indexes deferred", "entities", n)
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
		if err := s.createDeferredIndexes(ctx); err != nil {
			return fmt.Errorf("end bulk load: %w", err)
		}
		// The build wrote the indexes (~125 MB at 100,000 APIs) to the WAL;
		// copying them into the database before the load counts as done
		// keeps that I/O from stalling the first page views (a by-name read
		// took 76 ms behind it, against 5 ms).
		if err := s.checkpoint(ctx, "", false); err != nil {
			s.log.Debug("bulk load: checkpoint after the index build", "err", err)
		}
		s.log.Debug("bulk load: indexes built")
		return nil
	}, nil
}

// createDeferredIndexes creates the deferred indexes that do not exist.
func (s *Store) createDeferredIndexes(ctx context.Context) error {
	return s.execWriter(ctx, func(_, create string) string {
		return strings.Replace(create, "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
	})
}

// execWriter runs one statement per deferred index through the writer,
// holding applyMu so that mutations queue instead of meeting SQLite's busy
// timeout while an index is built.
func (s *Store) execWriter(ctx context.Context, stmt func(name, create string) string) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	conn, err := s.writeConn(ctx)
	if err != nil {
		return err
	}
	defer s.releaseWriteConn(conn)
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

// analysedTables are the catalog's tables a large PostgreSQL load is
// vacuumed and analysed in.
const analysedTables = "entities, entity_bodies, search, relations"

// beginPGBulkLoad returns, for a large load into a PostgreSQL catalog that
// holds few entities next to n, an end that vacuums and analyses the
// catalog's tables, as PostgreSQL's manual advises after a bulk load.
// Until autovacuum gets to them (never, where it is off) the planner knows
// nothing of their sizes or values, and no page is marked all-visible, so
// every index-only scan (search_key_value, entities_page) reads the table
// too: a by-query at 100,000 APIs hashed a third of the search index
// instead of merging within it. At 100,000 APIs this takes ~3 s, which the
// load pays before it counts as done, so that its first readers do not.
// PostgreSQL keeps all indexes during the load: other replicas read them.
func (s *Store) beginPGBulkLoad(ctx context.Context, n int) (end func(context.Context) error, err error) {
	noop := func(context.Context) error { return nil }
	if n < bulkLoadMin {
		return noop, nil
	}
	var have int
	if err := s.sql.QueryRowContext(ctx, "SELECT count(*) FROM entities").Scan(&have); err != nil {
		return noop, fmt.Errorf("begin bulk load: %w", err)
	}
	if have*4 > n {
		return noop, nil
	}
	var once sync.Once
	return func(ctx context.Context) error {
		once.Do(func() {
			// VACUUM runs outside a transaction and blocks neither reads
			// nor writes. The load itself is whole without it (and a role
			// that does not own the tables may not run it): a failure is
			// logged, not the load's.
			if _, err := s.sql.ExecContext(ctx, "VACUUM (ANALYZE) "+analysedTables); err != nil {
				s.log.Warn("bulk load: could not vacuum and analyse the catalog's tables; queries stay slower until autovacuum does", "err", err)
				return
			}
			s.log.Debug("bulk load: tables vacuumed and analysed", "entities", n)
		})
		return nil
	}, nil
}
