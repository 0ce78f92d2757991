package pages

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/views"
)

// APIChanges reads when APIs last changed (the history store).
type APIChanges interface {
	LastChanges(ctx context.Context, q apihistory.ChangeQuery) ([]apihistory.LastChange, error)
}

// Limits of the change filters: how many changed APIs one /apis request
// may restrict to or sort (the most recently changed first).
const maxChangedAPIs = 1000

// SetAPIChanges turns on the change badges, the /apis change filters and
// sort, and the home page's "APIs you consume changed". The history module
// calls it while it registers, after the pages are built.
func (h *Handler) SetAPIChanges(c APIChanges) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.changes = c
}

func (h *Handler) apiChanges() APIChanges {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.changes
}

// changeBadge words an API's latest change for people.
func changeBadge(ref catalog.Ref, c apihistory.LastChange, now time.Time) *views.ChangeBadge {
	what := "changed"
	if c.Breaking() {
		what = "breaking change"
	}
	return &views.ChangeBadge{
		Label:    what + " " + daysAgo(c.At, now),
		Breaking: c.Breaking(),
		At:       c.At,
		URL: entityURL(ref) + "/changes?from=" + strconv.FormatInt(c.PrevID, 10) +
			"&to=" + strconv.FormatInt(c.VersionID, 10),
	}
}

// daysAgo is "today", "1 day ago" or "N days ago".
func daysAgo(t, now time.Time) string {
	switch d := int(now.Sub(t).Hours() / 24); {
	case d <= 0:
		return "today"
	case d == 1:
		return "1 day ago"
	default:
		return strconv.Itoa(d) + " days ago"
	}
}

// withChangeBadges sets the badge of every API among items: one history
// query for the whole page.
func (h *Handler) withChangeBadges(ctx context.Context, items []views.EntitySummary) {
	hist := h.apiChanges()
	if hist == nil {
		return
	}
	var keys []string
	for _, s := range items {
		if strings.EqualFold(s.Kind, "API") {
			keys = append(keys, summaryRef(s).Key())
		}
	}
	if len(keys) == 0 {
		return
	}
	changes, err := hist.LastChanges(ctx, apihistory.ChangeQuery{Keys: keys})
	if err != nil {
		// The listing is still useful without its badges.
		h.logAside(ctx, slog.LevelError, "read api changes", "err", err)
		return
	}
	byKey := make(map[string]apihistory.LastChange, len(changes))
	for _, c := range changes {
		byKey[c.EntityKey] = c
	}
	now := h.now()
	for i := range items {
		ref := summaryRef(items[i])
		if c, ok := byKey[ref.Key()]; ok {
			items[i].Change = changeBadge(ref, c, now)
		}
	}
}

// headerChangeBadge is an API page's badge, nil for other kinds, APIs that
// never changed and when the history is off.
func (h *Handler) headerChangeBadge(ctx context.Context, ref catalog.Ref) *views.ChangeBadge {
	hist := h.apiChanges()
	if hist == nil || !strings.EqualFold(ref.Kind, "API") {
		return nil
	}
	changes, err := hist.LastChanges(ctx, apihistory.ChangeQuery{Keys: []string{ref.Key()}})
	if err != nil {
		h.logAside(ctx, slog.LevelError, "read api changes", "entity", ref.String(), "err", err)
		return nil
	}
	if len(changes) == 0 {
		return nil
	}
	return changeBadge(ref, changes[0], h.now())
}

func summaryRef(s views.EntitySummary) catalog.Ref {
	return catalog.Ref{Kind: s.Kind, Namespace: s.Namespace, Name: s.Name}
}

// changeWindows are the "changed in the last N days" choices.
var changeWindows = []int{7, 30}

// changeState is the /apis change filters and sort as the URL carries
// them: changed=7|30, breaking=1, sort=changed.
type changeState struct {
	Window      int
	Breaking    bool
	SortChanged bool
}

func (c changeState) active() bool { return c.Window > 0 || c.Breaking || c.SortChanged }

func parseChangeState(get func(string) string) changeState {
	var c changeState
	if n, err := strconv.Atoi(get("changed")); err == nil {
		for _, w := range changeWindows {
			if n == w {
				c.Window = n
			}
		}
	}
	c.Breaking = get("breaking") == "1"
	c.SortChanged = get("sort") == "changed"
	return c
}

// params renders the state as URL parameters, in a fixed order.
func (c changeState) params() []string {
	var out []string
	if c.Window > 0 {
		out = append(out, "changed="+strconv.Itoa(c.Window))
	}
	if c.Breaking {
		out = append(out, "breaking=1")
	}
	if c.SortChanged {
		out = append(out, "sort=changed")
	}
	return out
}

// changedSet is the APIs the change filters let through, newest change
// first, at most maxChangedAPIs.
type changedSet struct {
	keys  []catalog.Ref
	order map[string]int // ref key → position in keys
	// capped: the history had at least maxChangedAPIs matching APIs, so
	// older changes may be left out.
	capped bool
}

// limitedNote says that the change filters saw only the newest changes.
func (s *changedSet) limitedNote() string {
	if s == nil || !s.capped {
		return ""
	}
	return "Only the " + strconv.Itoa(maxChangedAPIs) + " most recently changed APIs are filtered and sorted by change; " +
		"APIs whose last change is older are left out of this list."
}

// changed reads the APIs matching the change filters: one history query.
func (h *Handler) changed(ctx context.Context, c changeState) (*changedSet, error) {
	hist := h.apiChanges()
	if hist == nil || !c.active() {
		return nil, nil
	}
	q := apihistory.ChangeQuery{Breaking: c.Breaking, Limit: maxChangedAPIs}
	if c.Window > 0 {
		q.Since = h.now().Add(-time.Duration(c.Window) * 24 * time.Hour)
	}
	changes, err := hist.LastChanges(ctx, q)
	if err != nil {
		return nil, err
	}
	set := &changedSet{order: make(map[string]int, len(changes)), capped: len(changes) >= maxChangedAPIs}
	for _, ch := range changes {
		ref, err := catalog.ParseRef(ch.EntityKey, "API", catalog.DefaultNamespace)
		if err != nil {
			continue
		}
		set.order[ref.Key()] = len(set.keys)
		set.keys = append(set.keys, ref)
	}
	return set, nil
}

// restrict adds the set to a filter set: one set per namespace naming the
// APIs, ORed; an empty set matches nothing.
func (s *changedSet) restrict(base catalog.FilterSet) catalog.Filter {
	byNS := map[string][]string{}
	var order []string
	for _, r := range s.keys {
		ns := strings.ToLower(r.Namespace)
		if _, ok := byNS[ns]; !ok {
			order = append(order, ns)
		}
		byNS[ns] = append(byNS[ns], strings.ToLower(r.Name))
	}
	if len(order) == 0 {
		// No entity is named "!": entity names are [a-z0-9A-Z-_.].
		return catalog.Filter{append(base, catalog.Condition{Key: "metadata.name", Values: []string{"!"}})}
	}
	f := make(catalog.Filter, 0, len(order))
	for _, ns := range order {
		set := append(append(catalog.FilterSet(nil), base...),
			catalog.Condition{Key: "metadata.namespace", Values: []string{ns}},
			catalog.Condition{Key: "metadata.name", Values: byNS[ns]})
		f = append(f, set)
	}
	return f
}

// page orders the APIs the store matched by their latest change, newest
// first, and cuts the page the cursor (an offset, in this order) names.
func (s *changedSet) page(items []views.EntitySummary, st listState, l listing) ([]views.EntitySummary, views.Pager) {
	slices.SortStableFunc(items, func(a, b views.EntitySummary) int {
		return cmp.Compare(s.position(a), s.position(b))
	})
	offset, _ := strconv.Atoi(st.Cursor)
	offset = max(0, min(offset, len(items)))
	end := min(offset+pageSize, len(items))
	var pg views.Pager
	if end < len(items) {
		next := st
		next.Cursor = strconv.Itoa(end)
		pg.NextURL = next.url(l, true)
	}
	if offset > 0 {
		prev := st
		prev.Cursor = strconv.Itoa(max(0, offset-pageSize))
		if prev.Cursor == "0" {
			prev.Cursor = ""
		}
		pg.PrevURL = prev.url(l, true)
	}
	return items[offset:end], pg
}

func (s *changedSet) position(e views.EntitySummary) int {
	if i, ok := s.order[summaryRef(e).Key()]; ok {
		return i
	}
	return len(s.keys)
}

// changeChips are the active change filters as removable chips.
func changeChips(l listing, s listState) []views.ActiveFilter {
	var out []views.ActiveFilter
	without := func(edit func(*changeState)) string {
		rest := s
		rest.Cursor = ""
		edit(&rest.Changes)
		return rest.url(l, false)
	}
	if s.Changes.Window > 0 {
		out = append(out, views.ActiveFilter{
			Label:     "Changed in the last " + strconv.Itoa(s.Changes.Window) + " days",
			RemoveURL: without(func(c *changeState) { c.Window = 0 }),
		})
	}
	if s.Changes.Breaking {
		out = append(out, views.ActiveFilter{Label: "Breaking change", RemoveURL: without(func(c *changeState) { c.Breaking = false })})
	}
	if s.Changes.SortChanged {
		out = append(out, views.ActiveFilter{Label: "Changed APIs, by last change", RemoveURL: without(func(c *changeState) { c.SortChanged = false })})
	}
	return out
}
