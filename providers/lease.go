package providers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// leases implements "at most one run per task across replicas" with one row
// per task in task_leases: a replica takes the row with a conditional UPDATE
// (or INSERT for a new task) and renews it while it runs. A replica that dies
// stops renewing, so another takes over once locked_until has passed. The row
// also carries next_run_at, so replicas share one schedule. Session-level
// advisory locks are avoided: they break with connection pools (STACK.md).
type leases struct {
	db    *bun.DB
	owner string
}

// acquire takes the task's lease until now+ttl. When due is true it also
// requires the task to be due (next_run_at has passed); a manual trigger
// passes false.
func (l leases) acquire(ctx context.Context, task string, now time.Time, ttl time.Duration, due bool) (bool, error) {
	nowMS, until := now.UnixMilli(), now.Add(ttl).UnixMilli()
	q := l.db.NewUpdate().Table("task_leases").
		Set("owner = ?", l.owner).Set("locked_until = ?", until).
		Where("task = ?", task).Where("locked_until <= ?", nowMS)
	if due {
		q = q.Where("next_run_at <= ?", nowMS)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("take lease of %s: %w", task, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	res, err = l.db.NewRaw(`INSERT INTO task_leases (task, owner, locked_until, next_run_at) VALUES (?, ?, ?, 0) ON CONFLICT (task) DO NOTHING`,
		task, l.owner, until).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("create lease of %s: %w", task, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// renew extends a lease this replica holds; false means it was lost.
func (l leases) renew(ctx context.Context, task string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := l.db.NewUpdate().Table("task_leases").
		Set("locked_until = ?", now.Add(ttl).UnixMilli()).
		Where("task = ? AND owner = ? AND locked_until > ?", task, l.owner, now.UnixMilli()).
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("renew lease of %s: %w", task, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// release frees the lease and sets when the task is next due.
func (l leases) release(ctx context.Context, task string, next time.Time) error {
	_, err := l.db.NewUpdate().Table("task_leases").
		Set("locked_until = 0").Set("next_run_at = ?", next.UnixMilli()).
		Where("task = ? AND owner = ?", task, l.owner).Exec(ctx)
	if err != nil {
		return fmt.Errorf("release lease of %s: %w", task, err)
	}
	return nil
}

// leaseRow is the shared state of one task.
type leaseRow struct {
	Owner       string
	LockedUntil time.Time
	NextRunAt   time.Time
}

// state reads the task's lease row; ok is false before its first run.
func (l leases) state(ctx context.Context, task string) (leaseRow, bool, error) {
	var owner string
	var until, next int64
	err := l.db.NewSelect().Table("task_leases").Column("owner", "locked_until", "next_run_at").
		Where("task = ?", task).Scan(ctx, &owner, &until, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return leaseRow{}, false, nil
	}
	if err != nil {
		return leaseRow{}, false, fmt.Errorf("read lease of %s: %w", task, err)
	}
	return leaseRow{Owner: owner, LockedUntil: time.UnixMilli(until), NextRunAt: time.UnixMilli(next)}, true, nil
}
