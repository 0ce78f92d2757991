package providers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// DefaultLeaseTTL is how long a lease lives unless renewed; a replica that
// holds one renews it every third of that while its run lives. It is
// independent of the task's timeout, so a replica that dies is replaced
// within about this long, whatever the task.
const DefaultLeaseTTL = 15 * time.Second

// leases implements "at most one run per task across replicas" with one row
// per task in task_leases: a replica takes the row with a conditional UPDATE
// (or INSERT for a new task) and renews it while it runs. A replica that dies
// stops renewing, so another takes over once locked_until has passed. The row
// also carries next_run_at, so replicas share one schedule. Every time is
// the database's clock (milliseconds), never a replica's: replicas whose
// clocks disagree still agree on who holds a lease and when a task is due.
// Session-level advisory locks are avoided: they break with connection pools
// (a pooled connection outlives the task that took the lock).
type leases struct {
	db    *bun.DB
	owner string
	ttl   time.Duration
	now   string // SQL for the database's current time in unix milliseconds
	// shared is true where replicas share the database (PostgreSQL): a
	// replica that cannot renew for a whole lifetime must assume another
	// took over. SQLite is one process, and a renewal that fails there is
	// this process's own long write holding the database.
	shared bool
}

func newLeases(db *bun.DB, owner string, ttl time.Duration) leases {
	now := "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS BIGINT)"
	if db.Dialect().Name() == dialect.PG {
		now = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
	}
	return leases{db: db, owner: owner, ttl: ttl, now: now, shared: db.Dialect().Name() == dialect.PG}
}

// acquire takes the task's lease for the lease lifetime. When due is true
// it also requires the task to be due (next_run_at has passed); a manual
// trigger passes false.
func (l leases) acquire(ctx context.Context, task string, due bool) (bool, error) {
	ttl := l.ttl.Milliseconds()
	q := l.db.NewUpdate().Table("task_leases").
		Set("owner = ?", l.owner).Set("locked_until = "+l.now+" + ?", ttl).
		Where("task = ?", task).Where("locked_until <= " + l.now)
	if due {
		q = q.Where("next_run_at <= " + l.now)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("take lease of %s: %w", task, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	res, err = l.db.NewRaw(`INSERT INTO task_leases (task, owner, locked_until, next_run_at) VALUES (?, ?, `+l.now+` + ?, 0) ON CONFLICT (task) DO NOTHING`,
		task, l.owner, ttl).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("create lease of %s: %w", task, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// renew extends a lease this replica holds; false means it was lost, to
// a replica that took it over (owner ids are unique per start). A lease
// that lapsed while nobody took it is still this replica's: renewing it
// late cannot run the task twice, since a takeover changes the owner.
func (l leases) renew(ctx context.Context, task string) (bool, error) {
	res, err := l.db.NewUpdate().Table("task_leases").
		Set("locked_until = "+l.now+" + ?", l.ttl.Milliseconds()).
		Where("task = ? AND owner = ?", task, l.owner).
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("renew lease of %s: %w", task, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// release frees the lease and makes the task due again after wait.
func (l leases) release(ctx context.Context, task string, wait time.Duration) error {
	_, err := l.db.NewUpdate().Table("task_leases").
		Set("locked_until = 0").Set("next_run_at = "+l.now+" + ?", max(wait, 0).Milliseconds()).
		Where("task = ? AND owner = ?", task, l.owner).Exec(ctx)
	if err != nil {
		return fmt.Errorf("release lease of %s: %w", task, err)
	}
	return nil
}

// leaseRow is the shared state of one task, with its times as durations
// from the database's now (negative: in the past), so that a replica can
// turn them into its own clock's times.
type leaseRow struct {
	Owner      string
	LockedFor  time.Duration // how long the lease still holds; <= 0 when free
	DueIn      time.Duration // until the task is next due; <= 0 when due
	NextRunSet bool          // the task has run (or been released) at least once
}

// state reads the task's lease row; ok is false before its first run.
func (l leases) state(ctx context.Context, task string) (leaseRow, bool, error) {
	var owner string
	var until, next, now int64
	err := l.db.NewRaw("SELECT owner, locked_until, next_run_at, "+l.now+" FROM task_leases WHERE task = ?", task).
		Scan(ctx, &owner, &until, &next, &now)
	if errors.Is(err, sql.ErrNoRows) {
		return leaseRow{}, false, nil
	}
	if err != nil {
		return leaseRow{}, false, fmt.Errorf("read lease of %s: %w", task, err)
	}
	return leaseRow{
		Owner:      owner,
		LockedFor:  time.Duration(until-now) * time.Millisecond,
		DueIn:      time.Duration(next-now) * time.Millisecond,
		NextRunSet: next > 0,
	}, true, nil
}
