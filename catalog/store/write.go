package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// entityInsertColumns are written for each new entity; id is assigned by
// the database and read back.
var entityInsertColumns = []string{
	"uid", "ref_key", "ref", "kind", "namespace", "name", "provider", "location_key", "location",
	"hash", "etag", "body", "fts_text", "created_at", "updated_at",
}

const entityInsertBatch = 100

// write carries out a plan inside tx.
func (s *Store) write(ctx context.Context, tx *sql.Tx, p *plan) error {
	now := s.now().UnixMilli()
	for _, list := range [][]*pending{p.inserts, p.updates} {
		for _, pd := range list {
			if err := pd.render(); err != nil {
				return err
			}
		}
	}
	if err := s.deleteEntities(ctx, tx, p.deletes); err != nil {
		return err
	}
	if err := s.insertEntities(ctx, tx, p.inserts, p.m.Provider, now); err != nil {
		return err
	}
	if err := s.updateEntities(ctx, tx, p.updates, p.m.Provider, now); err != nil {
		return err
	}
	if err := s.writeIndex(ctx, tx, append(p.inserts, p.updates...), len(p.updates) > 0); err != nil {
		return err
	}
	if err := s.writeProblems(ctx, tx, p, now); err != nil {
		return err
	}
	if err := s.writeConflicts(ctx, tx, p, now); err != nil {
		return err
	}
	return s.writeSourceProblems(ctx, tx, p, now)
}

func (s *Store) deleteEntities(ctx context.Context, tx *sql.Tx, list []*stored) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]any, len(list))
	keys := make([]any, len(list))
	for i, st := range list {
		ids[i], keys[i] = st.id, st.refKey
	}
	for _, q := range []string{
		"DELETE FROM search WHERE entity_id IN (%s)",
		"DELETE FROM relations WHERE entity_id IN (%s)",
		"DELETE FROM entities WHERE id IN (%s)",
	} {
		if err := execIn(ctx, tx, s.dialect, q, ids); err != nil {
			return err
		}
	}
	return execIn(ctx, tx, s.dialect, "DELETE FROM conflicts WHERE entity_ref IN (%s)", keys)
}

func (s *Store) insertEntities(ctx context.Context, tx *sql.Tx, list []*pending, provider string, now int64) error {
	byKey := make(map[string]*pending, len(list))
	tuple := "(" + placeholders(len(entityInsertColumns)) + ")"
	for start := 0; start < len(list); start += entityInsertBatch {
		batch := list[start:min(start+entityInsertBatch, len(list))]
		args := make([]any, 0, len(batch)*len(entityInsertColumns))
		tuples := make([]string, len(batch))
		for i, pd := range batch {
			byKey[pd.key] = pd
			tuples[i] = tuple
			ref := pd.pe.Ref
			if ref.IsZero() {
				ref = pd.pe.Entity.Ref()
			}
			args = append(args, pd.uid, pd.key, storedRef(ref), strings.ToLower(ref.Kind),
				strings.ToLower(ref.Namespace), strings.ToLower(ref.Name), provider, pd.pe.LocationKey,
				pd.pe.Location, pd.pe.Hash, pd.etag, pd.body, pd.fts, now, now)
		}
		q := "INSERT INTO entities (" + strings.Join(entityInsertColumns, ", ") + ") VALUES " +
			strings.Join(tuples, ", ") + " RETURNING id, ref_key"
		rows, err := tx.QueryContext(ctx, s.dialect.rebind(q), args...)
		if err != nil {
			return fmt.Errorf("insert entities: %w", err)
		}
		for rows.Next() {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return fmt.Errorf("insert entities: %w", err)
			}
			if pd := byKey[key]; pd != nil {
				pd.id = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("insert entities: %w", err)
		}
	}
	return nil
}

func (s *Store) updateEntities(ctx context.Context, tx *sql.Tx, list []*pending, provider string, now int64) error {
	if len(list) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, s.dialect.rebind(`UPDATE entities SET ref = ?, kind = ?, namespace = ?, name = ?,
  provider = ?, location_key = ?, location = ?, hash = ?, etag = ?, body = ?, fts_text = ?, problems = NULL,
  updated_at = ? WHERE id = ?`))
	if err != nil {
		return fmt.Errorf("prepare entity update: %w", err)
	}
	defer stmt.Close()
	for _, pd := range list {
		ref := pd.pe.Ref
		if ref.IsZero() {
			ref = pd.pe.Entity.Ref()
		}
		if _, err := stmt.ExecContext(ctx, storedRef(ref), strings.ToLower(ref.Kind), strings.ToLower(ref.Namespace),
			strings.ToLower(ref.Name), provider, pd.pe.LocationKey, pd.pe.Location, pd.pe.Hash, pd.etag,
			pd.body, pd.fts, now, pd.id); err != nil {
			return fmt.Errorf("update entity %s: %w", pd.key, err)
		}
	}
	return nil
}

// writeIndex rewrites the search and relation rows of the written entities.
func (s *Store) writeIndex(ctx context.Context, tx *sql.Tx, list []*pending, replace bool) error {
	if len(list) == 0 {
		return nil
	}
	if replace {
		ids := make([]any, len(list))
		for i, pd := range list {
			ids[i] = pd.id
		}
		for _, q := range []string{"DELETE FROM search WHERE entity_id IN (%s)", "DELETE FROM relations WHERE entity_id IN (%s)"} {
			if err := execIn(ctx, tx, s.dialect, q, ids); err != nil {
				return err
			}
		}
	}
	search := newBatcher(ctx, tx, s.dialect, "search", []string{"entity_id", "key", "value", "raw"})
	defer search.close()
	rels := newBatcher(ctx, tx, s.dialect, "relations", []string{"entity_id", "source_key", "type", "type_key", "target_key"})
	defer rels.close()
	for _, pd := range list {
		for _, r := range pd.search {
			var value, raw any
			if !r.null {
				value, raw = r.value, r.raw
			}
			if err := search.add(pd.id, r.key, value, raw); err != nil {
				return err
			}
		}
		for _, r := range pd.pe.Relations {
			if err := rels.add(pd.id, strings.ToLower(r.Source), r.Type, strings.ToLower(r.Type), strings.ToLower(r.Target)); err != nil {
				return err
			}
		}
	}
	if err := search.flush(); err != nil {
		return err
	}
	return rels.flush()
}

func (s *Store) writeProblems(ctx context.Context, tx *sql.Tx, p *plan, now int64) error {
	if err := execIn(ctx, tx, s.dialect, "UPDATE entities SET problems = NULL WHERE id IN (%s)", p.clearProblems); err != nil {
		return err
	}
	for id, problems := range p.setProblems {
		b, err := json.Marshal(problems)
		if err != nil {
			return fmt.Errorf("encode problems: %w", err)
		}
		q := s.dialect.rebind("UPDATE entities SET problems = ?, updated_at = ? WHERE id = ?")
		if _, err := tx.ExecContext(ctx, q, string(b), now, id); err != nil {
			return fmt.Errorf("record problems: %w", err)
		}
	}
	return nil
}

// writeConflicts replaces the provider's recorded rejected claims: all of
// them for a full mutation, those on the touched refs for a delta.
func (s *Store) writeConflicts(ctx context.Context, tx *sql.Tx, p *plan, now int64) error {
	if p.m.Type == catalog.Full {
		q := s.dialect.rebind("DELETE FROM conflicts WHERE provider = ?")
		if _, err := tx.ExecContext(ctx, q, p.m.Provider); err != nil {
			return fmt.Errorf("clear conflicts: %w", err)
		}
	} else if err := execIn(ctx, tx, s.dialect, "DELETE FROM conflicts WHERE provider = ? AND entity_ref IN (%s)", p.touchedRefs, p.m.Provider); err != nil {
		return err
	}
	q := s.dialect.rebind(`INSERT INTO conflicts (entity_ref, provider, location_key, existing_location_key, location, message, at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entity_ref, provider, location_key) DO UPDATE SET
existing_location_key = excluded.existing_location_key, location = excluded.location, message = excluded.message, at = excluded.at`)
	for _, c := range p.res.Conflicts {
		key := strings.ToLower(c.EntityRef)
		if _, err := tx.ExecContext(ctx, q, key, c.Provider, c.LocationKey, c.ExistingLocationKey, c.Location, c.Message, now); err != nil {
			return fmt.Errorf("record conflict on %s: %w", c.EntityRef, err)
		}
	}
	return nil
}

// writeSourceProblems replaces the provider's source problems: all of them
// for a full mutation, those of the sources read this run for a delta.
func (s *Store) writeSourceProblems(ctx context.Context, tx *sql.Tx, p *plan, now int64) error {
	if p.m.Type == catalog.Full {
		q := s.dialect.rebind("DELETE FROM source_problems WHERE provider = ?")
		if _, err := tx.ExecContext(ctx, q, p.m.Provider); err != nil {
			return fmt.Errorf("clear source problems: %w", err)
		}
	} else {
		locs := make([]any, 0, len(p.locations)+len(p.sourceProblems))
		for l := range p.locations {
			locs = append(locs, l)
		}
		for l := range p.sourceProblems {
			if !p.locations[l] {
				locs = append(locs, l)
			}
		}
		if err := execIn(ctx, tx, s.dialect, "DELETE FROM source_problems WHERE provider = ? AND location IN (%s)", locs, p.m.Provider); err != nil {
			return err
		}
	}
	q := s.dialect.rebind("INSERT INTO source_problems (provider, location, problems, at) VALUES (?, ?, ?, ?)")
	for loc, problems := range p.sourceProblems {
		b, err := json.Marshal(problems)
		if err != nil {
			return fmt.Errorf("encode problems: %w", err)
		}
		if _, err := tx.ExecContext(ctx, q, p.m.Provider, loc, string(b), now); err != nil {
			return fmt.Errorf("record problems of %s: %w", loc, err)
		}
	}
	return nil
}
