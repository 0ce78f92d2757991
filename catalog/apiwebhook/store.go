package apiwebhook

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/porticohq/portico/catalog/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationOwner names this package's rows in schema_migrations.
const MigrationOwner = "apiwebhook"

// Delivery states.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateFailed    = "failed" // given up: attempts spent, or refused for good
)

// Delivery is one queued webhook call.
type Delivery struct {
	ID            int64
	Webhook       string // the URL
	EntityKey     string
	FromID, ToID  int64
	Event         string // breaking or change
	Body          []byte
	State         string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
}

// Attempt is one call made for a delivery.
type Attempt struct {
	Attempt  int
	At       time.Time
	Status   int // 0 when no response came
	Duration time.Duration
	Error    string
}

// Store keeps deliveries in the catalog's database.
type Store struct {
	bun *bun.DB
	db  *sql.DB
	pg  bool
	now func() time.Time
}

// NewStore returns the store over db; run Migrate before using it. now is
// the clock (nil: time.Now).
func NewStore(db *bun.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{bun: db, db: db.DB, pg: db.Dialect().Name() == dialect.PG, now: now}
}

// Migrate creates or updates the delivery tables.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return store.Migrate(ctx, s.bun, MigrationOwner, sub)
}

func (s *Store) rebind(q string) string {
	if !s.pg {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Enqueue queues d (Webhook, EntityKey, FromID, ToID, Event, Body) to be
// sent at once; a version already queued for the webhook is left as it
// is. It reports whether it queued d.
func (s *Store) Enqueue(ctx context.Context, d Delivery) (bool, error) {
	now := s.now().UnixMilli()
	res, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO api_webhook_deliveries
(webhook, entity_key, from_id, to_id, event, body, state, attempts, next_attempt_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (webhook, to_id) DO NOTHING`),
		d.Webhook, d.EntityKey, d.FromID, d.ToID, d.Event, d.Body, StatePending, now, now)
	if err != nil {
		return false, fmt.Errorf("queue a webhook delivery for %s: %w", d.EntityKey, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const selectDelivery = `SELECT id, webhook, entity_key, from_id, to_id, event, body, state, attempts,
next_attempt_at, last_error FROM api_webhook_deliveries`

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var next int64
	err := row.Scan(&d.ID, &d.Webhook, &d.EntityKey, &d.FromID, &d.ToID, &d.Event, &d.Body, &d.State, &d.Attempts, &next, &d.LastError)
	d.NextAttemptAt = time.UnixMilli(next).UTC()
	return d, err
}

// Due lists up to limit pending deliveries whose next attempt is due,
// oldest first.
func (s *Store) Due(ctx context.Context, limit int) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(selectDelivery+` WHERE state = ? AND next_attempt_at <= ?
ORDER BY next_attempt_at, id LIMIT `+strconv.Itoa(limit)), StatePending, s.now().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("read due webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// List returns every delivery, oldest first (for tests and operators).
func (s *Store) List(ctx context.Context) ([]Delivery, error) {
	rows, err := s.db.QueryContext(ctx, selectDelivery+" ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// claim counts the attempt about to be made on d and holds it off for
// hold (a crash mid-call retries after that), only if no one else has
// since: false means another sender took it.
func (s *Store) claim(ctx context.Context, d Delivery, hold time.Duration) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.rebind(`UPDATE api_webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?
WHERE id = ? AND state = ? AND attempts = ?`), s.now().Add(hold).UnixMilli(), d.ID, StatePending, d.Attempts)
	if err != nil {
		return false, fmt.Errorf("claim webhook delivery %d: %w", d.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// finish records attempt a of delivery id and the delivery's new state;
// next is when to try again (pending only).
func (s *Store) finish(ctx context.Context, id int64, a Attempt, state string, next time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO api_webhook_attempts (delivery_id, attempt, at, status, duration_ms, error)
VALUES (?, ?, ?, ?, ?, ?)`), id, a.Attempt, a.At.UnixMilli(), a.Status, a.Duration.Milliseconds(), a.Error); err != nil {
		return fmt.Errorf("record webhook attempt: %w", err)
	}
	var done any
	if state != StatePending {
		done = s.now().UnixMilli()
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE api_webhook_deliveries SET state = ?, next_attempt_at = ?, done_at = ?, last_error = ?
WHERE id = ?`), state, next.UnixMilli(), done, a.Error, id); err != nil {
		return fmt.Errorf("update webhook delivery %d: %w", id, err)
	}
	return tx.Commit()
}

// giveUp marks a delivery failed without a call (its webhook is no
// longer configured).
func (s *Store) giveUp(ctx context.Context, id int64, why string) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`UPDATE api_webhook_deliveries SET state = ?, done_at = ?, last_error = ?
WHERE id = ? AND state = ?`), StateFailed, s.now().UnixMilli(), why, id, StatePending)
	return err
}

// Attempts lists the calls made for a delivery, in order.
func (s *Store) Attempts(ctx context.Context, id int64) ([]Attempt, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT attempt, at, status, duration_ms, error FROM api_webhook_attempts
WHERE delivery_id = ? ORDER BY attempt`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var at, ms int64
		if err := rows.Scan(&a.Attempt, &at, &a.Status, &ms, &a.Error); err != nil {
			return nil, err
		}
		a.At, a.Duration = time.UnixMilli(at).UTC(), time.Duration(ms)*time.Millisecond
		out = append(out, a)
	}
	return out, rows.Err()
}

// Prune deletes deliveries finished (delivered or failed) before now
// minus keep, with their attempts, and returns how many it deleted.
func (s *Store) Prune(ctx context.Context, keep time.Duration) (int64, error) {
	cutoff := s.now().Add(-keep).UnixMilli()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM api_webhook_attempts WHERE delivery_id IN (
  SELECT id FROM api_webhook_deliveries WHERE state <> ? AND done_at < ?)`), StatePending, cutoff); err != nil {
		return 0, fmt.Errorf("prune webhook attempts: %w", err)
	}
	res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM api_webhook_deliveries WHERE state <> ? AND done_at < ?`), StatePending, cutoff)
	if err != nil {
		return 0, fmt.Errorf("prune webhook deliveries: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, tx.Commit()
}
