package store

import (
	"context"
	"fmt"
	"strings"
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
		return noop, nil
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
