package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/porticohq/portico/catalog"
)

// entityColumns are the columns readEntity scans, in order.
const entityColumns = "e.id, e.uid, e.ref, e.ref_key, e.provider, e.location_key, e.body, e.problems, e.updated_at"

// statements are the prepared hot-path queries.
type statements struct {
	byRef, byUID, relationsOf, conflictsOf *sql.Stmt
}

func prepareStatements(ctx context.Context, s *Store) (*statements, error) {
	st := &statements{}
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&st.byRef, "SELECT " + entityColumns + " FROM entities e WHERE e.ref_key = ?"},
		{&st.byUID, "SELECT " + entityColumns + " FROM entities e WHERE e.uid = ?"},
		{&st.relationsOf, "SELECT r.source_key, r.type, r.target_key, t.ref FROM relations r LEFT JOIN entities t ON t.ref_key = r.target_key WHERE r.source_key = ?"},
		{&st.conflictsOf, "SELECT entity_ref, provider, location_key, existing_location_key, location, message FROM conflicts WHERE entity_ref = ? ORDER BY at, provider"},
	} {
		stmt, err := s.sql.PrepareContext(ctx, s.dialect.rebind(p.query))
		if err != nil {
			st.close()
			return nil, fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.dst = stmt
	}
	return st, nil
}

func (st *statements) close() {
	for _, s := range []*sql.Stmt{st.byRef, st.byUID, st.relationsOf, st.conflictsOf} {
		if s != nil {
			s.Close()
		}
	}
}

// row is an entity row before its relations are spliced in.
type row struct {
	id       int64
	se       *catalog.StoredEntity
	refKey   string
	body     []byte
	problems sql.NullString
}

type scanner interface{ Scan(dest ...any) error }

func scanEntity(sc scanner) (*row, error) {
	r := &row{se: &catalog.StoredEntity{}}
	var ref string
	var updated int64
	if err := sc.Scan(&r.id, &r.se.UID, &ref, &r.refKey, &r.se.Provider, &r.se.LocationKey, &r.body, &r.problems, &updated); err != nil {
		return nil, err
	}
	r.se.Ref = parseStoredRef(ref)
	r.se.UpdatedAt = time.UnixMilli(updated).UTC()
	if r.problems.Valid && r.problems.String != "" {
		if err := json.Unmarshal([]byte(r.problems.String), &r.se.Problems); err != nil {
			return nil, fmt.Errorf("decode problems of %s: %w", ref, err)
		}
	}
	return r, nil
}

// parseStoredRef splits "Kind:namespace/name" as stored (original case).
func parseStoredRef(s string) catalog.Ref {
	kind, rest, _ := strings.Cut(s, ":")
	ns, name, _ := strings.Cut(rest, "/")
	return catalog.Ref{Kind: kind, Namespace: ns, Name: name}
}

func storedRef(r catalog.Ref) string { return r.Kind + ":" + r.Namespace + "/" + r.Name }

// ByRef returns the entity with ref, ErrNotFound when there is none.
func (s *Store) ByRef(ctx context.Context, ref catalog.Ref) (*catalog.StoredEntity, error) {
	return s.one(ctx, s.stmts.byRef, ref.Key())
}

// ByUID returns the entity with uid, ErrNotFound when there is none.
func (s *Store) ByUID(ctx context.Context, uid string) (*catalog.StoredEntity, error) {
	return s.one(ctx, s.stmts.byUID, uid)
}

func (s *Store) one(ctx context.Context, stmt *sql.Stmt, arg string) (*catalog.StoredEntity, error) {
	r, err := scanEntity(stmt.QueryRowContext(ctx, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, catalog.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read entity %s: %w", arg, err)
	}
	rels, err := s.relationsOne(ctx, r.refKey)
	if err != nil {
		return nil, err
	}
	if r.se.Conflicts, err = s.conflictsOf(ctx, r.refKey); err != nil {
		return nil, err
	}
	r.se.JSON = spliceBody(r.body, rels, r.se.Problems)
	return r.se, nil
}

func (s *Store) relationsOne(ctx context.Context, key string) ([]catalog.Relation, error) {
	rows, err := s.stmts.relationsOf.QueryContext(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read relations of %s: %w", key, err)
	}
	m, err := scanRelations(rows)
	if err != nil {
		return nil, fmt.Errorf("read relations of %s: %w", key, err)
	}
	return m[key], nil
}

// scanRelations reads (source_key, type, target_key, target ref) rows into
// sorted, de-duplicated relations per source.
func scanRelations(rows *sql.Rows) (map[string][]catalog.Relation, error) {
	defer rows.Close()
	out := map[string][]catalog.Relation{}
	for rows.Next() {
		var src, typ, target string
		var ref sql.NullString
		if err := rows.Scan(&src, &typ, &target, &ref); err != nil {
			return nil, err
		}
		if ref.Valid {
			target = parseStoredRef(ref.String).String()
		}
		out[src] = append(out[src], catalog.Relation{Type: typ, TargetRef: target})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, rels := range out {
		out[k] = sortRelations(rels)
	}
	return out, nil
}

func sortRelations(rels []catalog.Relation) []catalog.Relation {
	sort.Slice(rels, func(i, j int) bool {
		if rels[i].Type != rels[j].Type {
			return rels[i].Type < rels[j].Type
		}
		return rels[i].TargetRef < rels[j].TargetRef
	})
	out := rels[:0]
	for i, r := range rels {
		if i > 0 && r == rels[i-1] {
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s *Store) conflictsOf(ctx context.Context, key string) ([]catalog.Conflict, error) {
	rows, err := s.stmts.conflictsOf.QueryContext(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read conflicts of %s: %w", key, err)
	}
	defer rows.Close()
	var out []catalog.Conflict
	for rows.Next() {
		var c catalog.Conflict
		if err := rows.Scan(&c.EntityRef, &c.Provider, &c.LocationKey, &c.ExistingLocationKey, &c.Location, &c.Message); err != nil {
			return nil, fmt.Errorf("read conflicts of %s: %w", key, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// spliceBody appends the relations (always, as Backstage does) and, for an
// entity whose latest attempt failed, a status with the problems, to the
// stored body.
func spliceBody(body []byte, rels []catalog.Relation, problems []catalog.Problem) []byte {
	if rels == nil {
		rels = []catalog.Relation{}
	}
	relJSON, _ := json.Marshal(rels)
	var statusJSON []byte
	if len(problems) > 0 {
		statusJSON, _ = json.Marshal(problemStatus(problems))
	}
	n := len(body) - 1
	for n > 0 && body[n] != '}' {
		n--
	}
	out := make([]byte, 0, n+len(relJSON)+len(statusJSON)+32)
	out = append(out, body[:n]...)
	if n > 1 {
		out = append(out, ',')
	}
	out = append(out, `"relations":`...)
	out = append(out, relJSON...)
	if statusJSON != nil {
		out = append(out, `,"status":`...)
		out = append(out, statusJSON...)
	}
	return append(out, '}')
}

func problemStatus(problems []catalog.Problem) catalog.Status {
	st := catalog.Status{Items: make([]catalog.StatusItem, len(problems))}
	for i, p := range problems {
		st.Items[i] = catalog.StatusItem{
			Type:    "backstage.io/catalog-processing",
			Level:   "error",
			Message: "InputError: " + p.Error(),
			Error:   map[string]any{"name": "InputError", "message": p.Error()},
		}
	}
	return st
}

// ByRefs returns one item per ref, in order, nil where unknown.
func (s *Store) ByRefs(ctx context.Context, refs []catalog.Ref) ([]*catalog.StoredEntity, error) {
	keys := make([]any, len(refs))
	for i, r := range refs {
		keys[i] = r.Key()
	}
	byKey, err := s.fetch(ctx, "e.ref_key", keys)
	if err != nil {
		return nil, err
	}
	out := make([]*catalog.StoredEntity, len(refs))
	for i, k := range keys {
		out[i] = byKey[k.(string)]
	}
	return out, nil
}

// fetch reads the entities whose column col is one of vals, with their
// relations, keyed by that column's value (ref_key or id).
func (s *Store) fetch(ctx context.Context, col string, vals []any) (map[any]*catalog.StoredEntity, error) {
	out := make(map[any]*catalog.StoredEntity, len(vals))
	for _, chunk := range chunks(vals, 500) {
		q := "SELECT " + entityColumns + " FROM entities e WHERE " + col + " IN (" + placeholders(len(chunk)) + ")"
		rows, err := s.sql.QueryContext(ctx, s.dialect.rebind(q), chunk...)
		if err != nil {
			return nil, fmt.Errorf("read entities: %w", err)
		}
		var list []*row
		for rows.Next() {
			r, err := scanEntity(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read entities: %w", err)
			}
			list = append(list, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read entities: %w", err)
		}
		if err := s.finish(ctx, list); err != nil {
			return nil, err
		}
		for _, r := range list {
			if col == "e.id" {
				out[r.id] = r.se
			} else {
				out[r.refKey] = r.se
			}
		}
	}
	return out, nil
}

// finish splices the relations of a batch of rows into their bodies.
func (s *Store) finish(ctx context.Context, list []*row) error {
	if len(list) == 0 {
		return nil
	}
	keys := make([]any, len(list))
	for i, r := range list {
		keys[i] = r.refKey
	}
	q := "SELECT r.source_key, r.type, r.target_key, t.ref FROM relations r LEFT JOIN entities t ON t.ref_key = r.target_key WHERE r.source_key IN (" + placeholders(len(keys)) + ")"
	rows, err := s.sql.QueryContext(ctx, s.dialect.rebind(q), keys...)
	if err != nil {
		return fmt.Errorf("read relations: %w", err)
	}
	rels, err := scanRelations(rows)
	if err != nil {
		return fmt.Errorf("read relations: %w", err)
	}
	for _, r := range list {
		r.se.JSON = spliceBody(r.body, rels[r.refKey], r.se.Problems)
	}
	return nil
}

// Recent returns the most recently changed entities, newest first.
func (s *Store) Recent(ctx context.Context, limit int) ([]*catalog.StoredEntity, error) {
	if limit <= 0 {
		limit = 10
	}
	ids, err := s.ids(ctx, "SELECT e.id FROM entities e ORDER BY e.updated_at DESC, e.ref_key LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("recent entities: %w", err)
	}
	return s.byIDs(ctx, ids)
}

// List answers GET /entities: filter, ordered by ref, offset and limit (a
// limit of 0 or less means all).
func (s *Store) List(ctx context.Context, f catalog.Filter, offset, limit int) ([]*catalog.StoredEntity, error) {
	w := &whereBuilder{dl: s.dialect}
	w.filter(f)
	if limit <= 0 {
		limit = math.MaxInt32
	}
	q := "SELECT e.id FROM entities e" + w.clause() + " ORDER BY e.ref_key LIMIT ? OFFSET ?"
	args := append(w.args, limit, max(offset, 0))
	ids, err := s.ids(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list entities: %w", err)
	}
	return s.byIDs(ctx, ids)
}

func (s *Store) ids(ctx context.Context, q string, args ...any) ([]any, error) {
	rows, err := s.sql.QueryContext(ctx, s.dialect.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// byIDs reads entities by id, keeping the order of ids.
func (s *Store) byIDs(ctx context.Context, ids []any) ([]*catalog.StoredEntity, error) {
	m, err := s.fetch(ctx, "e.id", ids)
	if err != nil {
		return nil, err
	}
	out := make([]*catalog.StoredEntity, 0, len(ids))
	for _, id := range ids {
		if se := m[id]; se != nil {
			out = append(out, se)
		}
	}
	return out, nil
}

// SourceProblems returns the problems recorded against sources and against
// entities that never had a valid version.
func (s *Store) SourceProblems(ctx context.Context) ([]catalog.SourceProblem, error) {
	rows, err := s.sql.QueryContext(ctx, "SELECT provider, location, problems, at FROM source_problems ORDER BY provider, location")
	if err != nil {
		return nil, fmt.Errorf("read source problems: %w", err)
	}
	defer rows.Close()
	var out []catalog.SourceProblem
	for rows.Next() {
		var sp catalog.SourceProblem
		var problems string
		var at int64
		if err := rows.Scan(&sp.Provider, &sp.Location, &problems, &at); err != nil {
			return nil, fmt.Errorf("read source problems: %w", err)
		}
		if err := json.Unmarshal([]byte(problems), &sp.Problems); err != nil {
			return nil, fmt.Errorf("decode source problems of %s: %w", sp.Location, err)
		}
		sp.UpdatedAt = time.UnixMilli(at).UTC()
		out = append(out, sp)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

func chunks(vals []any, size int) [][]any {
	var out [][]any
	for len(vals) > size {
		out = append(out, vals[:size])
		vals = vals[size:]
	}
	if len(vals) > 0 {
		out = append(out, vals)
	}
	return out
}
