package apiwebhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/egress"
)

// Deliverer queues a delivery per webhook when a new API version arrives
// (Arrived, the recorder's hook) and sends what is due (DeliverDue, which
// the scheduler runs as a job, in one replica at a time).
type Deliverer struct {
	Store   *Store
	Hooks   []Webhook
	Rules   []egress.Rule     // addresses webhooks may reach although private (ReadConfig)
	Lookup  egress.LookupFunc // nil: the system resolver
	BaseURL string            // the portal's public URL, for the body's links
	Log     *slog.Logger
	// Wake asks for DeliverDue soon (the scheduler's WakeJob); nil waits
	// for the job's period.
	Wake func()
	// History and Differ, when both are set, let DeliverDue find new
	// versions whose diff failed, which the recorder tells no one of, and
	// queue their deliveries (sweep.go).
	History RecentVersions
	Differ  Differ

	once   sync.Once
	client *http.Client

	pruned time.Time // when DeliverDue last pruned finished deliveries
}

// Finished deliveries are kept keepDone, pruned at most every pruneEvery.
const (
	keepDone   = 30 * 24 * time.Hour
	pruneEvery = time.Hour
)

// Arrived queues a delivery of v's arrival to each webhook whose events
// it matches. It is an apihistory.ArrivedFunc.
func (d *Deliverer) Arrived(ctx context.Context, v apihistory.Version, rep *apidiff.Report) {
	d.queue(ctx, v, eventOf(rep), func(w Webhook) bool { return w.Wants(rep.Counts.Breaking, rep.Counts.Total()) },
		func() Payload { return NewPayload(v, rep, d.BaseURL) })
}

// DiffFailed queues a delivery of v's arrival when its diff against the
// version before it failed with err, to every webhook: one subscribed to
// breaking changes cannot be told this one does not break (the body says
// "breaking": null and why the diff failed).
func (d *Deliverer) DiffFailed(ctx context.Context, v apihistory.Version, err error) {
	d.queue(ctx, v, EventDiffFailed, func(Webhook) bool { return true },
		func() Payload { return NewFailedPayload(v, err, d.BaseURL) })
}

// queue queues the body payload makes, once, to each webhook wants
// accepts, and wakes the job if it queued any.
func (d *Deliverer) queue(ctx context.Context, v apihistory.Version, event string, wants func(Webhook) bool, payload func() Payload) {
	var body []byte
	queued := false
	for _, w := range d.Hooks {
		if !wants(w) {
			continue
		}
		if body == nil {
			var err error
			if body, err = json.Marshal(payload()); err != nil {
				d.log().Error("api webhooks: encode the body", "entity", v.EntityKey, "err", err)
				return
			}
		}
		ok, err := d.Store.Enqueue(ctx, Delivery{Webhook: w.URL, EntityKey: v.EntityKey, FromID: v.PrevID, ToID: v.ID, Event: event, Body: body})
		if err != nil {
			d.log().Error("api webhooks: queue a delivery", "entity", v.EntityKey, "webhook", redact(w.URL), "err", err)
			continue
		}
		queued = queued || ok
	}
	if queued && d.Wake != nil {
		d.Wake()
	}
}

// dueBatch bounds the deliveries one DeliverDue sends.
const dueBatch = 100

// DeliverDue queues the deliveries of recent versions whose diff failed
// (sweep), sends every delivery whose attempt is due, one at a time,
// and records each attempt; hourly, it deletes deliveries finished over
// 30 days ago. It returns the first error reading or
// writing the store; failed calls are recorded, not returned.
func (d *Deliverer) DeliverDue(ctx context.Context) error {
	if err := d.sweep(ctx); err != nil {
		return err
	}
	due, err := d.Store.Due(ctx, dueBatch)
	if err != nil {
		return err
	}
	hooks := make(map[string]Webhook, len(d.Hooks))
	for _, w := range d.Hooks {
		hooks[w.URL] = w
	}
	for _, del := range due {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w, ok := hooks[del.Webhook]
		if !ok {
			if err := d.Store.giveUp(ctx, del.ID, "the webhook is no longer configured"); err != nil {
				return err
			}
			continue
		}
		if err := d.deliver(ctx, w, del); err != nil {
			return err
		}
	}
	if now := d.Store.now(); now.Sub(d.pruned) >= pruneEvery {
		d.pruned = now
		if _, err := d.Store.Prune(ctx, keepDone); err != nil {
			return err
		}
	}
	return nil
}

// deliver makes one attempt at del, if no one else has claimed it.
func (d *Deliverer) deliver(ctx context.Context, w Webhook, del Delivery) error {
	got, err := d.Store.claim(ctx, del, w.Timeout+time.Minute)
	if err != nil || !got {
		return err
	}
	n := del.Attempts + 1
	a, retry := d.send(ctx, w, del, n)
	state, next := StateDelivered, time.Time{}
	switch {
	case a.Error == "":
	case retry && n < w.MaxAttempts:
		state, next = StatePending, d.Store.now().Add(backoff(w.Backoff, n))
	default:
		state = StateFailed
	}
	log := d.log().With("webhook", redact(w.URL), "entity", del.EntityKey, "delivery", del.ID, "attempt", n)
	switch state {
	case StateDelivered:
		log.Info("api webhook delivered", "status", a.Status, "duration", a.Duration)
	case StatePending:
		log.Warn("api webhook call failed; will retry", "err", a.Error, "retry_at", next)
	default:
		log.Warn("api webhook call failed; giving up", "err", a.Error)
	}
	return d.Store.finish(context.WithoutCancel(ctx), del.ID, a, state, next)
}

// backoff is the wait after failed attempt n: base doubled n-1 times, at
// most maxBackoff.
func backoff(base time.Duration, n int) time.Duration {
	b := base
	for i := 1; i < n && b < maxBackoff; i++ {
		b *= 2
	}
	return min(b, maxBackoff)
}

// send POSTs del's body to w, signed, and says whether a failure is worth
// retrying (no response, a timeout, 408, 429 or 5xx).
func (d *Deliverer) send(ctx context.Context, w Webhook, del Delivery, n int) (Attempt, bool) {
	a := Attempt{Attempt: n, At: d.Store.now()}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(del.Body))
	if err != nil {
		a.Error = "bad webhook URL: " + err.Error()
		return a, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Portico-Webhook")
	req.Header.Set("X-Portico-Event", del.Event)
	req.Header.Set("X-Portico-Delivery", strconv.FormatInt(del.ID, 10))
	req.Header.Set(SignatureHeader, Sign(w.Secret, del.Body))
	start := time.Now()
	resp, err := d.httpClient().Do(req)
	a.Duration = time.Since(start)
	if err != nil {
		a.Error = redactURL(err, w.URL)
		return a, !errors.Is(err, egress.ErrRefused)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	a.Status = resp.StatusCode
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return a, false
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.Error = fmt.Sprintf("answered %s: redirects are not followed; configure the final URL", resp.Status)
		return a, false
	}
	a.Error = "answered " + resp.Status
	return a, resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout
}

// redactURL keeps the webhook's URL, which may hold a token, out of an
// error recorded and logged.
func redactURL(err error, raw string) string {
	msg := err.Error()
	return string(bytes.ReplaceAll([]byte(msg), []byte(raw), []byte(redact(raw))))
}

// httpClient dials through the egress guard the URL reader and try-it use
// (loopback, private and metadata addresses refused unless AllowKeys name
// them), ignores environment proxies and follows no redirect.
func (d *Deliverer) httpClient() *http.Client {
	d.once.Do(func() {
		g := egress.NewGuard(d.Rules, d.Lookup, "an API webhook", AllowKeys)
		tr := g.Transport(0)
		tr.DisableKeepAlives = true
		d.client = &http.Client{
			Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	})
	return d.client
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}
