// Package webhookstatus shows operators what the outgoing API-change
// webhooks (catalog/apiwebhook) did: GET /api/apidocs/webhooks/deliveries
// and the /providers/webhooks page list recent deliveries — where each
// went (scheme and host only), which version of which API it told of, and
// whether it is pending, failed and waiting for a retry, delivered or
// given up, with the last error in words.
package webhookstatus

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apiwebhook"
	"github.com/porticohq/portico/views"
	"github.com/porticohq/portico/web"
)

// Lister lists deliveries, newest first, older than before when it is not
// 0 (apiwebhook.Store.Recent).
type Lister interface {
	Recent(ctx context.Context, limit int, before int64) ([]apiwebhook.Record, error)
}

// Limits on the deliveries listed.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// APIPath and PagePath are the routes.
const (
	APIPath  = "/api/apidocs/webhooks/deliveries"
	PagePath = "/providers/webhooks"
)

// Register adds GET /api/apidocs/webhooks/deliveries?limit=N&before=ID
// behind mw (the caller's sign-in guard). With no webhooks the answer
// lists none and st is not read (it may be nil: the deliveries table is
// created only for webhooks).
func Register(e *echo.Echo, st Lister, hooks []apiwebhook.Webhook, mw ...echo.MiddlewareFunc) {
	h := &handler{store: st, hooks: hooks}
	e.GET(APIPath, h.list, mw...)
}

type handler struct {
	store Lister
	hooks []apiwebhook.Webhook
}

// WebhookJSON is a configured webhook: its URL without path or query
// (which may hold a token) and its events; never its secret.
type WebhookJSON struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// DeliveryJSON is one delivery as the API returns it.
type DeliveryJSON struct {
	ID            int64      `json:"id"`
	Webhook       string     `json:"webhook"`
	Event         string     `json:"event"`
	API           string     `json:"api"`
	FromVersionID int64      `json:"fromVersionId"`
	ToVersionID   int64      `json:"toVersionId"`
	InfoVersion   string     `json:"infoVersion,omitempty"`
	Status        string     `json:"status"` // pending, failed (a retry is due), delivered, given up
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"lastError,omitempty"`
	QueuedAt      time.Time  `json:"queuedAt"`
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"`
	DeliveredAt   *time.Time `json:"deliveredAt,omitempty"`
	GaveUpAt      *time.Time `json:"gaveUpAt,omitempty"`
}

// ListJSON is the answer of GET /api/apidocs/webhooks/deliveries. Next,
// when older deliveries remain, is the URL of the next page.
type ListJSON struct {
	Webhooks   []WebhookJSON  `json:"webhooks"`
	Deliveries []DeliveryJSON `json:"deliveries"`
	Next       string         `json:"next,omitempty"`
}

func (h *handler) list(c *echo.Context) error {
	limit, err := parseLimit(c.QueryParam("limit"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	before, err := parseBefore(c.QueryParam("before"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	recs, older, err := page(c.Request().Context(), h.store, h.hooks, limit, before)
	if err != nil {
		return err
	}
	out := ListJSON{Webhooks: webhooksJSON(h.hooks), Deliveries: make([]DeliveryJSON, len(recs))}
	if older > 0 {
		out.Next = APIPath + "?limit=" + strconv.Itoa(limit) + "&before=" + strconv.FormatInt(older, 10)
	}
	for i, r := range recs {
		out.Deliveries[i] = DeliveryJSON{
			ID: r.ID, Webhook: r.Webhook, Event: r.Event, API: apiRef(r.EntityKey),
			FromVersionID: r.FromID, ToVersionID: r.ToID, InfoVersion: r.InfoVersion,
			Status: r.Status, Attempts: r.Attempts, LastError: r.LastError, QueuedAt: r.QueuedAt,
			NextAttemptAt: timePtr(r.NextAttempt), DeliveredAt: timePtr(r.DeliveredAt), GaveUpAt: timePtr(r.GaveUpAt),
		}
	}
	return c.JSON(http.StatusOK, out)
}

func webhooksJSON(hooks []apiwebhook.Webhook) []WebhookJSON {
	out := make([]WebhookJSON, len(hooks))
	for i, w := range hooks {
		out[i] = WebhookJSON{URL: w.Redacted(), Events: w.Events}
	}
	return out
}

func parseLimit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, &limitError{s}
	}
	return n, nil
}

// page reads limit deliveries older than before (0: the newest) and, when
// older ones remain, the id to ask for the next page with; none without
// webhooks.
func page(ctx context.Context, st Lister, hooks []apiwebhook.Webhook, limit int, before int64) ([]apiwebhook.Record, int64, error) {
	if len(hooks) == 0 {
		return nil, 0, nil
	}
	recs, err := st.Recent(ctx, limit+1, before)
	if err != nil || len(recs) <= limit {
		return recs, 0, err
	}
	return recs[:limit], recs[limit-1].ID, nil
}

func parseBefore(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("before: want the id of a delivery, got %s", strconv.Quote(s))
	}
	return n, nil
}

type limitError struct{ got string }

func (e *limitError) Error() string {
	return "limit: want 1 to " + strconv.Itoa(MaxLimit) + ", got " + strconv.Quote(e.got)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// apiRef is the entity key as the catalog writes refs (api:default/pets).
func apiRef(key string) string {
	ref, err := catalog.ParseRef(key, "API", catalog.DefaultNamespace)
	if err != nil {
		return key
	}
	return ref.String()
}

// Page serves GET /providers/webhooks: the same list for people. With no
// webhooks it says how to configure them, and Store is not read.
type Page struct {
	Store Lister
	Hooks []apiwebhook.Webhook
	// HistoryOff says apiDocs.history.enabled is false: webhooks tell of
	// recorded versions, so none is sent whatever is configured.
	HistoryOff bool
	// Layout fills the layout's fields (title, user, CSRF token).
	Layout func(c *echo.Context) views.Page
	// Guard answers the request when the caller may not see deliveries
	// (sign-in configured and nobody signed in); nil lets everyone in.
	Guard func(c *echo.Context) error
}

// Serve is the page's handler.
func (p *Page) Serve(c *echo.Context) error {
	if p.Guard != nil {
		if err := p.Guard(c); err != nil {
			return err
		}
	}
	before, err := parseBefore(c.QueryParam("before"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	hooks := p.Hooks
	if p.HistoryOff {
		hooks = nil
	}
	recs, older, err := page(c.Request().Context(), p.Store, hooks, DefaultLimit, before)
	if err != nil {
		return err
	}
	v := View{Deliveries: make([]Row, len(recs)), Older: before > 0, HistoryOff: p.HistoryOff}
	if older > 0 {
		v.OlderURL = PagePath + "?before=" + strconv.FormatInt(older, 10)
	}
	for _, w := range hooks {
		v.Webhooks = append(v.Webhooks, WebhookRow{URL: w.Redacted(), Events: w.Events})
	}
	for i, r := range recs {
		v.Deliveries[i] = rowOf(r)
	}
	page := views.Page{AppTitle: "Portico"}
	if p.Layout != nil {
		page = p.Layout(c)
	}
	page.Title, page.Active = "Webhook deliveries", views.NavProviders
	return web.Render(c, http.StatusOK, views.Layout(page, Deliveries(v)))
}

// View is the page's model. Older says the page is not the newest one;
// OlderURL, when more remain, is the next page's. No Webhooks, or
// HistoryOff, shows how to configure them instead.
type View struct {
	Webhooks   []WebhookRow
	Deliveries []Row
	Older      bool
	OlderURL   string
	HistoryOff bool
}

// configExample is the configuration the page shows when no webhook is
// sent, as the README's "Webhooks on API changes" gives it.
const configExample = `apiDocs:
  history:
    webhooks:
      - url: https://ci.example.com/hooks/portico
        secret: ${PORTICO_WEBHOOK_SECRET}
        events: [breaking]  # or [any]`

// WebhookRow is a configured webhook.
type WebhookRow struct {
	URL    string
	Events []string
}

// Row is one delivery, in words.
type Row struct {
	ID          string
	Webhook     string
	API         string
	ChangesURL  string // the Changes tab showing this diff
	Version     string
	Event       string
	Status      string
	Attempts    string
	LastError   string
	Queued      string
	NextAttempt string
	Delivered   string
	GaveUp      string
}

func rowOf(r apiwebhook.Record) Row {
	ref, _ := catalog.ParseRef(r.EntityKey, "API", catalog.DefaultNamespace)
	row := Row{
		ID: strconv.FormatInt(r.ID, 10), Webhook: r.Webhook, API: apiRef(r.EntityKey),
		ChangesURL: "/catalog/" + url.PathEscape(ref.Namespace) + "/api/" + url.PathEscape(ref.Name) + "/changes?from=" +
			strconv.FormatInt(r.FromID, 10) + "&to=" + strconv.FormatInt(r.ToID, 10),
		Version: r.InfoVersion, Event: r.Event, Status: r.Status, Attempts: strconv.Itoa(r.Attempts),
		LastError: r.LastError, Queued: when(r.QueuedAt), NextAttempt: when(r.NextAttempt),
		Delivered: when(r.DeliveredAt), GaveUp: when(r.GaveUpAt),
	}
	if row.Version == "" {
		row.Version = "version " + strconv.FormatInt(r.ToID, 10)
	}
	return row
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func statusClass(status string) string {
	switch status {
	case apiwebhook.StatusDelivered:
		return "bg-green-50 text-green-900 ring-green-200 dark:bg-green-950 dark:text-green-100 dark:ring-green-900"
	case apiwebhook.StatusRetrying:
		return "bg-amber-50 text-amber-900 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-900"
	case apiwebhook.StatusGivenUp:
		return "bg-red-50 text-red-900 ring-red-200 dark:bg-red-950 dark:text-red-100 dark:ring-red-900"
	}
	return "bg-slate-100 text-slate-700 ring-slate-200 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-700"
}

func statusLabel(status string) string {
	if status == apiwebhook.StatusRetrying {
		return "failed, will retry"
	}
	return status
}
