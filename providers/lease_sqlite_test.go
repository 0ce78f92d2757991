package providers

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/porticohq/portico/catalog"
)

// busyConn applies a mutation the way a large one goes on SQLite: its
// write transaction holds the database for longer than a lease lives, so
// every renewal meanwhile fails as busy.
type busyConn struct {
	db   *bun.DB
	hold time.Duration
}

func (c busyConn) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	tx, err := c.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		return catalog.ApplyResult{}, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS big_write (x INTEGER)"); err != nil {
		return catalog.ApplyResult{}, err
	}
	select {
	case <-time.After(c.hold):
	case <-ctx.Done():
		return catalog.ApplyResult{}, ctx.Err()
	}
	if err := tx.Commit(); err != nil {
		return catalog.ApplyResult{}, err
	}
	return catalog.ApplyResult{Added: len(m.Entities)}, nil
}

// On SQLite (one process) an apply that holds the database for longer than
// the lease lives is this process's own, and is not cancelled as if
// another replica had taken the task over. It was: the run failed with
// "apply: context canceled" once its write outlasted the lease (a helper
// saw it in the S3 tests under -race on a loaded machine).
func TestLongSQLiteApplyKeepsItsLease(t *testing.T) {
	dsn := strings.Replace(sqliteDSN(filepath.Join(t.TempDir(), "portico.db")), "busy_timeout(5000)", "busy_timeout(50)", 1)
	db := openDSN(t, dsn)
	const ttl = 300 * time.Millisecond
	s, err := New(Options{DB: db, LeaseTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	p := &testProvider{name: "big-bucket", sched: Schedule{Frequency: time.Hour, InitialDelay: time.Hour, Timeout: time.Minute},
		run: func(context.Context) (catalog.Mutation, error) { return entities(3), nil }}
	if err := s.Add(p, busyConn{db: db, hold: 4 * ttl}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); s.Wait() })
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	id, err := s.Trigger(ctx, p.name)
	if err != nil {
		t.Fatal(err)
	}
	if r := waitRun(t, s, id); r.Outcome != OutcomeOK || r.Added != 3 {
		t.Fatalf("run: %s %q, %d added", r.Outcome, r.Message, r.Added)
	}
}
