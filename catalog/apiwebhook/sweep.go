package apiwebhook

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
)

// RecentVersions lists the versions stored last, of every API, with their
// diff counts (apihistory.Store.Newest).
type RecentVersions interface {
	Newest(ctx context.Context, limit int) ([]apihistory.Entry, error)
}

// Differ returns the diff between two versions, cached or computed once
// (apihistory.Recorder.DiffBetween).
type Differ interface {
	DiffBetween(ctx context.Context, from, to int64) (*apidiff.Report, error)
}

// Sweep bounds: the versions looked at, the last stored, and how recent
// they must be.
const (
	sweepVersions = 200
	sweepWindow   = time.Hour
	// sweepDiffs bounds the diffs one run asks for, so that a bulk load
	// the recorder is still diffing does not hold up deliveries: the rest
	// wait for the next run (the recorder has usually saved them by then).
	sweepDiffs = 20
)

// sweep queues the deliveries the recorder's hook never hears of: a new
// version whose diff against the one before it failed (a definition that
// does not parse, a changed spec.type) is recorded without a diff, and
// Arrived is called only with one. Each of the last versions stored that
// became current within the hour and has a previous one, no saved diff
// and no delivery yet is diffed again (the recorder
// remembers a failure, so that costs nothing on its replica): a failure
// the definition causes is delivered as diff-failed; a diff that now
// succeeds (the recording replica stopped before diffing) goes through
// Arrived. Deliveries are unique per webhook and version, so the
// recorder and the sweep racing queue one.
func (d *Deliverer) sweep(ctx context.Context) error {
	if d.History == nil || d.Differ == nil || len(d.Hooks) == 0 {
		return nil
	}
	recent, err := d.History.Newest(ctx, sweepVersions)
	if err != nil {
		return err
	}
	since := d.Store.now().Add(-sweepWindow)
	var todo []apihistory.Version
	for _, e := range recent {
		if e.PrevID != 0 && e.Changes == nil && apidiff.Diffable(e.SpecType) && !e.CurrentSince.Before(since) {
			todo = append(todo, e.Version)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	queued, err := d.Store.queuedVersions(ctx, todo)
	if err != nil {
		return err
	}
	asked := 0
	for _, v := range slices.Backward(todo) { // oldest first: they have waited longest
		if queued[v.ID] || ctx.Err() != nil {
			continue
		}
		if asked++; asked > sweepDiffs {
			break
		}
		rep, err := d.Differ.DiffBetween(ctx, v.PrevID, v.ID)
		switch {
		case err == nil:
			d.Arrived(ctx, v, rep)
		case catalog.ErrorCode(err) == catalog.EINVALID:
			d.DiffFailed(ctx, v, err)
		default:
			d.log().Warn("api webhooks: diff a version the recorder did not", "entity", v.EntityKey, "err", err)
		}
	}
	return nil
}

// queuedVersions reports which of vs have a delivery queued already.
func (s *Store) queuedVersions(ctx context.Context, vs []apihistory.Version) (map[int64]bool, error) {
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = strconv.FormatInt(v.ID, 10)
	}
	rows, err := s.db.QueryContext(ctx, "SELECT DISTINCT to_id FROM api_webhook_deliveries WHERE to_id IN ("+strings.Join(ids, ",")+")")
	if err != nil {
		return nil, fmt.Errorf("read queued webhook deliveries: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
