package providers

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/porticohq/portico/catalog"
)

// Run outcomes, as stored in provider_runs.outcome and shown on /providers.
const (
	OutcomeRunning   = "running"
	OutcomeOK        = "ok"
	OutcomeError     = "error"
	OutcomeTimeout   = "timeout"
	OutcomeCancelled = "cancelled"
	OutcomeHeld      = "held"
	// OutcomeInterrupted is a run whose replica stopped (killed, crashed)
	// before it ended: nothing it read was applied.
	OutcomeInterrupted = "interrupted"
)

// Run triggers.
const (
	TriggerScheduled = "scheduled"
	TriggerManual    = "manual"
)

// Run is the record of one provider run: what it found, what the catalog
// changed and what went wrong, per entity where possible.
type Run struct {
	ID        string
	Provider  string
	Trigger   string
	Owner     string // the replica that ran it
	StartedAt time.Time
	Duration  time.Duration
	Outcome   string
	// Listed counts the entities and failed sources the provider returned.
	Listed                                      int
	Added, Updated, Removed, Unchanged, Invalid int
	// Held counts the removals the run did not apply: they wait for the
	// next run to agree, the grace period, or "Apply now".
	Held    int
	Errors  []catalog.Problem
	Message string
	// Progress is the latest progress note of a running run in this replica.
	Progress string
}

// Running reports whether the run has not ended yet.
func (r Run) Running() bool { return r.Outcome == OutcomeRunning }

type runRow struct {
	bun.BaseModel `bun:"table:provider_runs"`

	ID         string `bun:"id,pk"`
	Provider   string `bun:"provider"`
	Trigger    string `bun:"trigger"`
	Owner      string `bun:"owner"`
	StartedAt  int64  `bun:"started_at"`
	DurationMS int64  `bun:"duration_ms"`
	Outcome    string `bun:"outcome"`
	Listed     int    `bun:"listed"`
	Added      int    `bun:"added"`
	Updated    int    `bun:"updated"`
	Removed    int    `bun:"removed"`
	Unchanged  int    `bun:"unchanged"`
	Invalid    int    `bun:"invalid"`
	Held       int    `bun:"held"`
	Errors     string `bun:"errors"`
	Message    string `bun:"message"`
}

// maxRunErrors bounds the errors stored with one run.
const maxRunErrors = 200

func toRow(r Run) runRow {
	errs := r.Errors
	if len(errs) > maxRunErrors {
		errs = errs[:maxRunErrors]
	}
	if errs == nil {
		errs = []catalog.Problem{}
	}
	data, _ := json.Marshal(errs)
	return runRow{
		ID: r.ID, Provider: r.Provider, Trigger: r.Trigger, Owner: r.Owner,
		StartedAt: r.StartedAt.UnixMilli(), DurationMS: r.Duration.Milliseconds(),
		Outcome: r.Outcome, Listed: r.Listed, Added: r.Added, Updated: r.Updated,
		Removed: r.Removed, Unchanged: r.Unchanged, Invalid: r.Invalid, Held: r.Held,
		Errors: string(data), Message: r.Message,
	}
}

func (row runRow) run() Run {
	r := Run{
		ID: row.ID, Provider: row.Provider, Trigger: row.Trigger, Owner: row.Owner,
		StartedAt: time.UnixMilli(row.StartedAt).UTC(), Duration: time.Duration(row.DurationMS) * time.Millisecond,
		Outcome: row.Outcome, Listed: row.Listed, Added: row.Added, Updated: row.Updated,
		Removed: row.Removed, Unchanged: row.Unchanged, Invalid: row.Invalid, Held: row.Held, Message: row.Message,
	}
	if err := json.Unmarshal([]byte(row.Errors), &r.Errors); err != nil {
		// Shown with the run rather than dropped: the run did have errors.
		r.Errors = []catalog.Problem{{Message: fmt.Sprintf("the errors recorded for run %s could not be read: %v", row.ID, err)}}
	}
	return r
}

// runStore reads and writes provider_runs.
type runStore struct{ db *bun.DB }

func (s runStore) insert(ctx context.Context, r Run) error {
	row := toRow(r)
	if _, err := s.db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert run %s: %w", r.ID, err)
	}
	return nil
}

func (s runStore) update(ctx context.Context, r Run) error {
	row := toRow(r)
	if _, err := s.db.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update run %s: %w", r.ID, err)
	}
	return nil
}

func (s runStore) get(ctx context.Context, id string) (Run, error) {
	var row runRow
	err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, catalog.Errorf(catalog.ENOTFOUND, "run %s not found", id)
	}
	if err != nil {
		return Run{}, fmt.Errorf("read run %s: %w", id, err)
	}
	return row.run(), nil
}

// recent returns a provider's latest runs, newest first.
func (s runStore) recent(ctx context.Context, provider string, limit int) ([]Run, error) {
	var rows []runRow
	err := s.db.NewSelect().Model(&rows).Where("provider = ?", provider).
		OrderExpr("started_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", provider, err)
	}
	runs := make([]Run, len(rows))
	for i, row := range rows {
		runs[i] = row.run()
	}
	return runs, nil
}

// lastApplied returns the listing size of the provider's latest applied
// run, and false when it never applied one; the shrink guard compares with it.
func (s runStore) lastApplied(ctx context.Context, provider string) (int, bool, error) {
	var rows []runRow
	err := s.db.NewSelect().Model(&rows).Column("listed").
		Where("provider = ? AND outcome = ?", provider, OutcomeOK).
		OrderExpr("started_at DESC, id DESC").Limit(1).Scan(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("read last run of %s: %w", provider, err)
	}
	if len(rows) == 0 {
		return 0, false, nil
	}
	return rows[0].Listed, true, nil
}

// running returns the provider's run still marked running, if any.
func (s runStore) running(ctx context.Context, provider string) (Run, bool, error) {
	var rows []runRow
	err := s.db.NewSelect().Model(&rows).
		Where("provider = ? AND outcome = ?", provider, OutcomeRunning).
		OrderExpr("started_at DESC").Limit(1).Scan(ctx)
	if err != nil {
		return Run{}, false, fmt.Errorf("read running run of %s: %w", provider, err)
	}
	if len(rows) == 0 {
		return Run{}, false, nil
	}
	return rows[0].run(), true, nil
}

// abandon closes runs left "running" by a replica that died: whoever holds
// the lease knows no one else is running the task.
func (s runStore) abandon(ctx context.Context, provider, owner string) error {
	_, err := s.db.NewUpdate().Model((*runRow)(nil)).
		Set("outcome = ?", OutcomeInterrupted).
		Set("message = ?", "interrupted: the replica running it stopped; nothing was applied").
		Where("provider = ? AND outcome = ? AND owner <> ?", provider, OutcomeRunning, owner).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("close abandoned runs of %s: %w", provider, err)
	}
	return nil
}

// prune keeps a provider's newest keep runs, and its latest applied run
// (the shrink guard compares with it), and deletes the rest.
func (s runStore) prune(ctx context.Context, provider string, keep int) error {
	_, err := s.db.NewRaw(`DELETE FROM provider_runs WHERE provider = ?
  AND started_at < (SELECT started_at FROM provider_runs WHERE provider = ? ORDER BY started_at DESC LIMIT 1 OFFSET ?)
  AND id NOT IN (SELECT id FROM provider_runs WHERE provider = ? AND outcome = ? ORDER BY started_at DESC LIMIT 1)`,
		provider, provider, keep-1, provider, OutcomeOK).Exec(ctx)
	if err != nil {
		return fmt.Errorf("prune runs of %s: %w", provider, err)
	}
	return nil
}
