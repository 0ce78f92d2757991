package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/porticohq/portico/catalog"
)

// orphanHashPrefix marks the content hash of an orphaned entity, so that the
// same entity emitted again is written back (and loses the mark).
const orphanHashPrefix = "orphan:"

// orphanEntities marks entities that their Location no longer emits: the
// body gains backstage.io/orphan: 'true' (searchable, as in Backstage, so it
// is a facet), orphaned_at records since when, and the relations the entity
// emitted stay, as Backstage keeps an orphan's last processed state. by
// names, by ref key, the location that stopped emitting each.
func (s *Store) orphanEntities(ctx context.Context, tx *sql.Tx, list []*stored, by map[string]string, now int64) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]any, len(list))
	for i, ex := range list {
		ids[i] = ex.id
	}
	if err := execIn(ctx, tx, s.dialect, "DELETE FROM search WHERE entity_id IN (%s)", ids); err != nil {
		return err
	}
	search := newSearchWriter(ctx, tx, s.dialect)
	defer search.close()
	for _, ex := range list {
		pd, err := s.orphaned(ctx, tx, ex, by[ex.refKey])
		if err != nil {
			return err
		}
		q := s.dialect.rebind("UPDATE entities SET hash = ?, etag = ?, fts_text = ?, orphaned_at = ?, updated_at = ? WHERE id = ?")
		if _, err := tx.ExecContext(ctx, q, orphanHashPrefix+ex.hash, pd.etag, pd.fts, now, now, ex.id); err != nil {
			return fmt.Errorf("orphan %s: %w", ex.refKey, err)
		}
		q = s.dialect.rebind("UPDATE entity_bodies SET body = ? WHERE entity_id = ?")
		if _, err := tx.ExecContext(ctx, q, s.storedBody(pd), ex.id); err != nil {
			return fmt.Errorf("orphan %s: %w", ex.refKey, err)
		}
		for _, r := range pd.search {
			if err := search.add(ex.id, ex.refKey, r); err != nil {
				return err
			}
		}
	}
	return search.flush()
}

// orphaned renders ex's stored body with the orphan annotations (by, when
// known, names what stopped emitting it).
func (s *Store) orphaned(ctx context.Context, tx *sql.Tx, ex *stored, by string) (*pending, error) {
	var stored []byte
	var kind, ref string
	q := s.dialect.rebind("SELECT b.body, e.kind_raw, e.ref FROM entity_bodies b JOIN entities e ON e.id = b.entity_id WHERE b.entity_id = ?")
	if err := tx.QueryRowContext(ctx, q, ex.id).Scan(&stored, &kind, &ref); err != nil {
		return nil, fmt.Errorf("orphan %s: read body: %w", ex.refKey, err)
	}
	// A body that does not read back is orphaned as its stand-in, which
	// rewrites it whole: the orphaning of the rest must not wait on it.
	var e catalog.Entity
	body, err := unpackBody(stored, nil)
	if err == nil {
		err = json.Unmarshal(body, &e)
	}
	if err != nil {
		r := parseStoredRef(ref)
		r.Kind = kind
		body, _ = s.damagedBody(r, ex.uid, err)
		e = catalog.Entity{}
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, fmt.Errorf("orphan %s: %w", ex.refKey, err)
		}
	}
	if e.Metadata.Annotations == nil {
		e.Metadata.Annotations = map[string]string{}
	}
	e.Metadata.Annotations[catalog.AnnotationOrphan] = "true"
	if by != "" {
		e.Metadata.Annotations[catalog.AnnotationOrphanedBy] = by
	}
	pd := &pending{pe: &catalog.ProcessedEntity{Entity: &e}, key: ex.refKey, uid: ex.uid, etag: randomHex(16)}
	if err := pd.render(false); err != nil {
		return nil, fmt.Errorf("orphan %s: %w", ex.refKey, err)
	}
	return pd, nil
}
