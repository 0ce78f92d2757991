package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// entityInsertColumns are written for each new entity; id is assigned by
// the database and read back.
var entityInsertColumns = []string{
	"uid", "ref_key", "ref", "kind", "kind_raw", "namespace", "name", "provider", "location_key", "location",
	"hash", "etag", "fts_text", "created_at", "updated_at",
}

const entityInsertBatch = 100

// write carries out a plan inside tx.
func (s *Store) write(ctx context.Context, tx *sql.Tx, p *plan) error {
	now := s.now().UnixMilli()
	if err := renderAll(append(p.inserts[:len(p.inserts):len(p.inserts)], p.updates...), s.packsBodies()); err != nil {
		return err
	}
	if err := s.deleteEntities(ctx, tx, p.deletes); err != nil {
		return err
	}
	if err := s.orphanEntities(ctx, tx, p.orphans, p.m.OrphanedBy, now); err != nil {
		return err
	}
	if err := s.runWriteHooks(ctx, tx, p.m.Provider, p.inserts, p.updates); err != nil {
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
	if err := s.runRemoveHooks(ctx, tx, list); err != nil {
		return err
	}
	ids := make([]any, len(list))
	keys := make([]any, len(list))
	for i, st := range list {
		ids[i], keys[i] = st.id, st.refKey
	}
	for _, q := range []string{
		"DELETE FROM search WHERE entity_id IN (%s)",
		"DELETE FROM relations WHERE entity_id IN (%s)",
		"DELETE FROM entity_bodies WHERE entity_id IN (%s)",
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
			ref := pd.ref()
			args = append(args, pd.uid, pd.key, ref.String(), strings.ToLower(ref.Kind), ref.Kind,
				strings.ToLower(ref.Namespace), strings.ToLower(ref.Name), provider, pd.pe.LocationKey,
				pd.pe.Location, pd.pe.Hash, pd.etag, pd.fts, now, now)
		}
		q := insertInto(s.dialect) + "entities (" + strings.Join(entityInsertColumns, ", ") + ") VALUES " +
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
	bodies := newBatcher(ctx, tx, s.dialect, "entity_bodies", []string{"entity_id", "body"}).limit(32)
	defer bodies.close()
	for _, pd := range list {
		if pd.id == 0 {
			return fmt.Errorf("insert entities: no id returned for %s", pd.key)
		}
		if err := bodies.add(pd.id, s.storedBody(pd)); err != nil {
			return err
		}
	}
	return bodies.flush()
}

func (s *Store) updateEntities(ctx context.Context, tx *sql.Tx, list []*pending, provider string, now int64) error {
	if len(list) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, s.dialect.rebind(`UPDATE entities SET ref = ?, kind = ?, kind_raw = ?,
  namespace = ?, name = ?, provider = ?, location_key = ?, location = ?, hash = ?, etag = ?, fts_text = ?,
  problems = NULL, orphaned_at = NULL, updated_at = ? WHERE id = ?`))
	if err != nil {
		return fmt.Errorf("prepare entity update: %w", err)
	}
	defer stmt.Close()
	bodyStmt, err := tx.PrepareContext(ctx, s.dialect.rebind("UPDATE entity_bodies SET body = ? WHERE entity_id = ?"))
	if err != nil {
		return fmt.Errorf("prepare body update: %w", err)
	}
	defer bodyStmt.Close()
	for _, pd := range list {
		ref := pd.ref()
		if _, err := stmt.ExecContext(ctx, ref.String(), strings.ToLower(ref.Kind), ref.Kind, strings.ToLower(ref.Namespace),
			strings.ToLower(ref.Name), provider, pd.pe.LocationKey, pd.pe.Location, pd.pe.Hash, pd.etag,
			pd.fts, now, pd.id); err != nil {
			return fmt.Errorf("update entity %s: %w", pd.key, err)
		}
		if _, err := bodyStmt.ExecContext(ctx, s.storedBody(pd), pd.id); err != nil {
			return fmt.Errorf("update body of %s: %w", pd.key, err)
		}
	}
	return nil
}

// renderAll renders the pending entities not rendered yet (by Prepare) on
// every core: encoding ~10 KB bodies is a third of a bulk ingest's work.
// With pack, it compresses their bodies too (storedBody).
func renderAll(list []*pending, pack bool) error {
	todo := make([]*pending, 0, len(list))
	for _, pd := range list {
		if !pd.rendered {
			todo = append(todo, pd)
		}
	}
	errs := make([]error, len(todo))
	catalog.Parallel(len(todo), min(runtime.GOMAXPROCS(0), len(todo)/64+1), func(i int) {
		errs[i] = todo[i].render(pack)
	})
	return errors.Join(errs...)
}

// indexRow is a search row with its entity, for sorting before insert.
type indexRow struct {
	id     int64
	refKey string
	searchRow
}

// searchWriter inserts search rows, the one way every writer of them does
// (new and changed entities, orphans): with their entity's ref key, which
// the walk and the probes seek by (plan.go), and the raw value only where
// its case differs (facets read coalesce(raw, value)).
type searchWriter struct{ *batcher }

func newSearchWriter(ctx context.Context, tx *sql.Tx, dl dialect) searchWriter {
	return searchWriter{newBatcher(ctx, tx, dl, "search", []string{"entity_id", "key", "value", "raw", "ref_key"})}
}

func (w searchWriter) add(id int64, refKey string, r searchRow) error {
	var value, raw any
	if !r.null {
		value = r.value
		if r.raw != r.value {
			raw = r.raw
		}
	}
	return w.batcher.add(id, r.key, value, raw, refKey)
}

// sortedSearchRows returns the search rows of list ordered by key, value
// and ref key (search_key_value's order), so that inserting them walks
// that index forwards instead of jumping around it.
func sortedSearchRows(list []*pending) []indexRow {
	n := 0
	for _, pd := range list {
		n += len(pd.search)
	}
	rows := make([]indexRow, 0, n)
	for _, pd := range list {
		for _, r := range pd.search {
			rows = append(rows, indexRow{id: pd.id, refKey: pd.key, searchRow: r})
		}
	}
	slices.SortFunc(rows, func(a, b indexRow) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := strings.Compare(a.value, b.value); c != 0 {
			return c
		}
		return strings.Compare(a.refKey, b.refKey)
	})
	return rows
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
	search := newSearchWriter(ctx, tx, s.dialect)
	defer search.close()
	rels := newBatcher(ctx, tx, s.dialect, "relations", []string{"entity_id", "source_key", "type", "type_key", "target_key"})
	defer rels.close()
	for _, r := range sortedSearchRows(list) {
		if err := search.add(r.id, r.refKey, r.searchRow); err != nil {
			return err
		}
	}
	for _, pd := range list {
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
	for _, pd := range p.inserts {
		if len(pd.problems) > 0 {
			p.setProblems[pd.id] = pd.problems
		}
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
