package apihistory

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/porticohq/portico/catalog/apidiff"
)

// LastChange is an API's latest change: at At its current version replaced
// the one before it. Changes is nil until that diff is computed (or for a
// definition type that is not diffed).
type LastChange struct {
	EntityKey string
	VersionID int64
	PrevID    int64
	At        time.Time
	Changes   *apidiff.Counts
}

// Breaking reports whether the change is known to break clients.
func (c LastChange) Breaking() bool { return c.Changes != nil && c.Changes.Breaking > 0 }

// ChangeQuery selects APIs by their latest change.
type ChangeQuery struct {
	// Keys limits the answer to these APIs (entity keys); nil means every API.
	Keys []string
	// Since keeps changes at or after it; zero means any time.
	Since time.Time
	// Breaking keeps APIs whose latest change is breaking.
	Breaking bool
	// Limit caps the answer (newest first); 0 means no cap.
	Limit int
}

// keysPerQuery bounds the placeholders of one IN list (SQLite allows
// 32766, PostgreSQL 65535); longer key lists are read in chunks.
const keysPerQuery = 500

// LastChanges returns the latest change of each API q selects, newest
// first. An API with a single version has not changed and is left out.
// Pages ask once for all the APIs they show, not once per API.
func (s *Store) LastChanges(ctx context.Context, q ChangeQuery) ([]LastChange, error) {
	if q.Keys != nil && len(q.Keys) == 0 {
		return nil, nil
	}
	var out []LastChange
	for chunk := range chunks(q.Keys) {
		got, err := s.lastChanges(ctx, q, chunk)
		if err != nil {
			return nil, fmt.Errorf("read latest api changes: %w", err)
		}
		out = append(out, got...)
	}
	if len(q.Keys) > keysPerQuery {
		slices.SortFunc(out, func(a, b LastChange) int {
			return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.VersionID, a.VersionID))
		})
		if q.Limit > 0 && len(out) > q.Limit {
			out = out[:q.Limit]
		}
	}
	return out, nil
}

// anys is keys as query arguments.
func anys(keys []string) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

// chunks yields keys in slices of at most keysPerQuery; nil keys yield one
// nil chunk (no key condition).
func chunks(keys []string) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		if keys == nil {
			yield(nil)
			return
		}
		for len(keys) > 0 {
			n := min(len(keys), keysPerQuery)
			if !yield(keys[:n]) {
				return
			}
			keys = keys[n:]
		}
	}
}

func (s *Store) lastChanges(ctx context.Context, q ChangeQuery, keys []string) ([]LastChange, error) {
	var args []any
	inner := "SELECT entity_key, id, prev_id, current_since, ROW_NUMBER() OVER (PARTITION BY entity_key " + latest + ") AS rn FROM api_versions"
	if keys != nil {
		inner += " WHERE entity_key IN (" + placeholders(len(keys)) + ")"
		for _, k := range keys {
			args = append(args, k)
		}
	}
	where := []string{"x.rn = 1", "x.prev_id IS NOT NULL"}
	if !q.Since.IsZero() {
		where = append(where, "x.current_since >= ?")
		args = append(args, q.Since.UnixMilli())
	}
	if q.Breaking {
		where = append(where, "d.breaking > 0")
	}
	query := `SELECT x.entity_key, x.id, x.prev_id, x.current_since, d.breaking, d.warning, d.info
FROM (` + inner + `) x LEFT JOIN api_version_diffs d ON d.from_id = x.prev_id AND d.to_id = x.id
WHERE ` + strings.Join(where, " AND ") + ` ORDER BY x.current_since DESC, x.id DESC`
	if q.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(q.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LastChange
	for rows.Next() {
		var c LastChange
		var at int64
		var br, wa, in sql.NullInt64
		if err := rows.Scan(&c.EntityKey, &c.VersionID, &c.PrevID, &at, &br, &wa, &in); err != nil {
			return nil, err
		}
		c.At = unixMilli(at)
		if br.Valid {
			c.Changes = &apidiff.Counts{Breaking: int(br.Int64), Warning: int(wa.Int64), Info: int(in.Int64)}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RecentOf lists the latest limit versions of the APIs keys names, newest
// first, with their change counts (an owner's change feed).
func (s *Store) RecentOf(ctx context.Context, keys []string, limit int) ([]Entry, error) {
	var out []Entry
	for chunk := range chunks(keys) {
		if chunk == nil {
			return nil, nil
		}
		args := anys(chunk)
		got, err := s.entries(ctx, "WHERE v.entity_key IN ("+placeholders(len(chunk))+")", limit, args...)
		if err != nil {
			return nil, fmt.Errorf("recent versions of %d APIs: %w", len(keys), err)
		}
		out = append(out, got...)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(b.CurrentSince.Compare(a.CurrentSince), cmp.Compare(b.ID, a.ID))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
