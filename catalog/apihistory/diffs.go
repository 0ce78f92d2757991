package apihistory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/porticohq/portico/catalog/apidiff"
)

// SaveDiff keeps the report of the diff from one version to another; a
// pair already saved is left as it is.
func (s *Store) SaveDiff(ctx context.Context, from, to int64, rep *apidiff.Report) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	gz, err := compress(b)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.rebind(`INSERT INTO api_version_diffs
(from_id, to_id, breaking, warning, info, report, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (from_id, to_id) DO NOTHING`),
		from, to, rep.Counts.Breaking, rep.Counts.Warning, rep.Counts.Info, gz, s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("save diff %d→%d: %w", from, to, err)
	}
	return nil
}

// SaveDiffFailure records why the diff from one version to another
// failed; the latest reason wins.
func (s *Store) SaveDiffFailure(ctx context.Context, from, to int64, reason string) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO api_version_diff_failures (from_id, to_id, error, failed_at)
VALUES (?, ?, ?, ?) ON CONFLICT (from_id, to_id) DO UPDATE SET error = excluded.error, failed_at = excluded.failed_at`),
		from, to, reason, s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("save diff failure %d→%d: %w", from, to, err)
	}
	return nil
}

// Diff returns the saved report of the diff from one version to another,
// ErrNotFound when it was not computed.
func (s *Store) Diff(ctx context.Context, from, to int64) (*apidiff.Report, error) {
	var gz []byte
	err := s.db.QueryRowContext(ctx, s.rebind("SELECT report FROM api_version_diffs WHERE from_id = ? AND to_id = ?"), from, to).Scan(&gz)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read diff %d→%d: %w", from, to, err)
	}
	b, err := decompress(gz)
	if err != nil {
		return nil, err
	}
	var rep apidiff.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("decode diff %d→%d: %w", from, to, err)
	}
	return &rep, nil
}

// Entry is a version on an API's timeline with the counts of its diff
// from the version before it (nil until computed, or for a first version
// or a definition type that is not diffed). DiffError, when Changes is
// nil, says why that diff failed; "" when it did not fail or was not tried.
type Entry struct {
	Version
	Changes   *apidiff.Counts
	DiffError string
}

// Timeline lists an API's versions, the current one first, each with its
// change counts; one query.
func (s *Store) Timeline(ctx context.Context, entityKey string) ([]Entry, error) {
	out, err := s.entries(ctx, "WHERE v.entity_key = ?", 0, entityKey)
	if err != nil {
		return nil, fmt.Errorf("timeline of %s: %w", entityKey, err)
	}
	return out, nil
}

// Recent lists the latest limit versions of every API, newest first, with
// their change counts (the catalog's change feed).
func (s *Store) Recent(ctx context.Context, limit int) ([]Entry, error) {
	out, err := s.entries(ctx, "", limit)
	if err != nil {
		return nil, fmt.Errorf("recent versions: %w", err)
	}
	return out, nil
}

// entries runs the timeline query under where, newest first; limit 0 means
// all.
func (s *Store) entries(ctx context.Context, where string, limit int, args ...any) ([]Entry, error) {
	q := `SELECT v.id, v.entity_key, v.hash, v.spec_type, v.info_version,
v.provider, v.location, v.run_id, v.revision, v.size, v.first_seen, v.current_since, v.prev_id, d.breaking, d.warning, d.info, f.error
FROM api_versions v LEFT JOIN api_version_diffs d ON d.from_id = v.prev_id AND d.to_id = v.id
LEFT JOIN api_version_diff_failures f ON f.from_id = v.prev_id AND f.to_id = v.id
` + where + ` ORDER BY v.current_since DESC, v.id DESC`
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var first, since int64
		var prev, br, wa, in sql.NullInt64
		var failure sql.NullString
		if err := rows.Scan(&e.ID, &e.EntityKey, &e.Hash, &e.SpecType, &e.InfoVersion, &e.Provider, &e.Location,
			&e.RunID, &e.Revision, &e.Size, &first, &since, &prev, &br, &wa, &in, &failure); err != nil {
			return nil, err
		}
		e.FirstSeen, e.CurrentSince, e.PrevID = unixMilli(first), unixMilli(since), prev.Int64
		if br.Valid {
			e.Changes = &apidiff.Counts{Breaking: int(br.Int64), Warning: int(wa.Int64), Info: int(in.Int64)}
		} else {
			e.DiffError = failure.String
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
