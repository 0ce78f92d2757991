package apihistory

import (
	"context"
	"fmt"
	"time"
)

// Policy is apiDocs.history.keep: a version is kept while it is younger
// than MaxAge or among an API's MinKeep most recent versions; the current
// version is always kept.
type Policy struct {
	MaxAge  time.Duration // default 365 days
	MinKeep int           // default 50; at least 1
}

// DefaultPolicy keeps every version for a year, and at least the last 50.
var DefaultPolicy = Policy{MaxAge: 365 * 24 * time.Hour, MinKeep: 50}

func (p Policy) withDefaults() Policy {
	if p.MaxAge <= 0 {
		p.MaxAge = DefaultPolicy.MaxAge
	}
	if p.MinKeep <= 0 {
		p.MinKeep = DefaultPolicy.MinKeep
	}
	return p
}

// Prune deletes the versions p no longer keeps, and the diffs that name
// them, and returns how many versions it deleted. Age counts from when a
// version last became current.
func (s *Store) Prune(ctx context.Context, p Policy) (int64, error) {
	p = p.withDefaults()
	cutoff := s.now().Add(-p.MaxAge).UnixMilli()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Row 1 of each API is its current version: MinKeep ≥ 1 keeps it.
	res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM api_versions WHERE id IN (
  SELECT id FROM (
    SELECT id, current_since, ROW_NUMBER() OVER (PARTITION BY entity_key `+latest+`) AS rn FROM api_versions
  ) x WHERE x.rn > ? AND x.current_since < ?
)`), p.MinKeep, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune api versions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM api_version_diffs
WHERE from_id NOT IN (SELECT id FROM api_versions) OR to_id NOT IN (SELECT id FROM api_versions)`); err != nil {
			return 0, fmt.Errorf("prune api version diffs: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM api_version_diff_failures
WHERE from_id NOT IN (SELECT id FROM api_versions) OR to_id NOT IN (SELECT id FROM api_versions)`); err != nil {
			return 0, fmt.Errorf("prune api version diff failures: %w", err)
		}
	}
	return n, tx.Commit()
}
