package apiwebhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Statuses an operator reads, from a delivery's state and attempts.
const (
	StatusPending   = "pending"   // queued, not tried yet
	StatusRetrying  = "failed"    // the last call failed; another is due at NextAttempt
	StatusDelivered = "delivered" // a call was answered 2xx
	StatusGivenUp   = "given up"  // attempts spent, or refused for good
)

// Record is a delivery as an operator sees it: where it went (the URL
// redacted to scheme and host, since chat services keep a token in the
// path), what it said, and how its calls went. It never holds the secret
// or the body.
type Record struct {
	ID          int64
	Webhook     string // redacted: https://hooks.example/…
	EntityKey   string
	FromID      int64
	ToID        int64
	InfoVersion string // the new version's info.version, when it has one
	Event       string // breaking, change or diff-failed
	Status      string // StatusPending, StatusRetrying, StatusDelivered or StatusGivenUp
	Attempts    int
	LastError   string
	// NextAttempt is when the next call is due (pending and failed only).
	NextAttempt time.Time
	QueuedAt    time.Time
	// DeliveredAt is when a call was answered 2xx (delivered only).
	DeliveredAt time.Time
	// GaveUpAt is when the delivery was given up (given up only).
	GaveUpAt time.Time
}

// statusOf names a delivery's state for an operator: a pending delivery
// that was tried has failed and waits for its retry.
func statusOf(state string, attempts int) string {
	switch {
	case state == StateDelivered:
		return StatusDelivered
	case state == StateFailed:
		return StatusGivenUp
	case attempts > 0:
		return StatusRetrying
	}
	return StatusPending
}

// Recent lists limit deliveries, newest first, for the operator's view
// (GET /api/apidocs/webhooks/deliveries, /providers/webhooks): the latest
// when before is 0, else those older than the delivery with id before.
func (s *Store) Recent(ctx context.Context, limit int, before int64) ([]Record, error) {
	where, args := "", []any(nil)
	if before > 0 {
		where, args = " WHERE id < ?", []any{before}
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT id, webhook, entity_key, from_id, to_id, event, body, state, attempts,
next_attempt_at, created_at, done_at, last_error FROM api_webhook_deliveries`+where+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("read recent webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var body []byte
		var state string
		var next, created int64
		var done sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Webhook, &r.EntityKey, &r.FromID, &r.ToID, &r.Event, &body, &state, &r.Attempts,
			&next, &created, &done, &r.LastError); err != nil {
			return nil, err
		}
		r.Webhook = redact(r.Webhook)
		r.Status = statusOf(state, r.Attempts)
		r.QueuedAt = time.UnixMilli(created).UTC()
		switch r.Status {
		case StatusPending, StatusRetrying:
			r.NextAttempt = time.UnixMilli(next).UTC()
		case StatusDelivered:
			r.DeliveredAt = time.UnixMilli(done.Int64).UTC()
		case StatusGivenUp:
			r.GaveUpAt = time.UnixMilli(done.Int64).UTC()
		}
		r.InfoVersion = infoVersionOf(body)
		out = append(out, r)
	}
	return out, rows.Err()
}

// infoVersionOf reads the new version's info.version from a queued body.
func infoVersionOf(body []byte) string {
	var p struct {
		To struct {
			InfoVersion string `json:"infoVersion"`
		} `json:"to"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	return p.To.InfoVersion
}

// Redacted is the webhook's URL as it may be shown: scheme and host.
func (w Webhook) Redacted() string { return redact(w.URL) }

// Trouble counts the deliveries kept that failed: those waiting for a
// retry and those given up (finished ones are kept 30 days), for the
// /providers page's link.
func (s *Store) Trouble(ctx context.Context) (retrying, givenUp int, err error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT state, COUNT(*) FROM api_webhook_deliveries
WHERE (state = ? AND attempts > 0) OR state = ? GROUP BY state`), StatePending, StateFailed)
	if err != nil {
		return 0, 0, fmt.Errorf("count failed webhook deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return 0, 0, err
		}
		if state == StateFailed {
			givenUp = n
		} else {
			retrying = n
		}
	}
	return retrying, givenUp, rows.Err()
}
