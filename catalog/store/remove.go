package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/porticohq/portico/catalog"
)

// RemoveByUID deletes the entity with uid from whichever provider's bucket
// holds it, with its index rows, the relations it emitted and the conflicts
// recorded against its ref, in one transaction serialized with mutations.
// It returns the entity as it was; ErrNotFound when no entity has uid. As
// in Backstage, a provider that still emits the entity adds it again (with
// a new uid) the next time it runs.
func (s *Store) RemoveByUID(ctx context.Context, uid string) (*catalog.StoredEntity, error) {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	conn, err := s.writeConn(ctx)
	if err != nil {
		return nil, fmt.Errorf("remove entity %s: %w", uid, err)
	}
	defer s.releaseWriteConn(conn)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("remove entity %s: begin: %w", uid, err)
	}
	defer tx.Rollback()
	if s.dialect.name() == Postgres {
		// The lock Apply takes: removals and mutations never interleave.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7007002)"); err != nil {
			return nil, fmt.Errorf("remove entity %s: lock: %w", uid, err)
		}
	}
	removed, err := s.removeInTx(ctx, tx, uid)
	if err != nil {
		return nil, err
	}
	anyConflicts := hasConflicts(ctx, tx)
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("remove entity %s: commit: %w", uid, err)
	}
	s.hasConflicts.Store(anyConflicts)
	s.gen.Add(1)
	s.log.Debug("removed entity", "entity", removed.Ref.String(), "uid", uid, "provider", removed.Provider)
	return removed, nil
}

// removeInTx reads the entity with uid and deletes it inside tx.
func (s *Store) removeInTx(ctx context.Context, tx *sql.Tx, uid string) (*catalog.StoredEntity, error) {
	id, removed, err := s.readByUID(ctx, tx, uid)
	if err != nil {
		return nil, err
	}
	if err := s.deleteEntities(ctx, tx, []*stored{{id: id, refKey: removed.Ref.Key()}}); err != nil {
		return nil, fmt.Errorf("remove entity %s: %w", uid, err)
	}
	return removed, nil
}

// readByUID reads one entity inside tx; ErrNotFound when none has uid.
func (s *Store) readByUID(ctx context.Context, tx *sql.Tx, uid string) (int64, *catalog.StoredEntity, error) {
	rows, err := tx.QueryContext(ctx, s.dialect.rebind("SELECT "+entityColumns(s.dialect)+" WHERE e.uid = ?"), uid)
	if err != nil {
		return 0, nil, fmt.Errorf("remove entity %s: read: %w", uid, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, nil, fmt.Errorf("remove entity %s: read: %w", uid, err)
		}
		return 0, nil, catalog.ErrNotFound
	}
	id, se, err := s.scanEntity(rows)
	if err != nil {
		return 0, nil, fmt.Errorf("remove entity %s: read: %w", uid, err)
	}
	return id, se, rows.Close()
}
