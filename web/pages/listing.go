package pages

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// pageSize is how many entities one listing page shows.
const pageSize = 25

// Limits on what a listing URL may ask for, so a crafted URL cannot make
// one request expensive.
const (
	maxValuesPerFacet = 20
	maxQueryLength    = 200
	maxFacetValues    = 50 // values shown per facet
)

// facet is one filter of a listing: its URL parameter and the entity field
// it filters on.
type facet struct {
	Param string
	Field string
	Label string
	// Only, when set, keeps just these values, shown with these labels
	// ("true" → "Orphaned"), and hides the facet when none is present.
	Only map[string]string
}

// listing describes a listing page: the catalog or the API explorer.
type listing struct {
	Path        string
	Title       string
	Heading     string
	Intro       string
	Nav         string
	Fixed       []catalog.Condition // always applied, e.g. kind=api
	Facets      []facet
	APIExplorer bool
}

// listState is a listing's state as the URL carries it.
type listState struct {
	Query    string
	Cursor   string
	Selected map[string][]string // facet param → selected values
	// Mine is ?owned=me with someone signed in; Owner is then the
	// "owned by the signed-in user" condition.
	Mine  bool
	Owner catalog.Condition
	// Changes are the API explorer's change filters and sort; changed is
	// the APIs they let through (nil when none is set).
	Changes changeState
	changed *changedSet
}

// parseListState reads the URL query, dropping empty and duplicate values.
func parseListState(l listing, q url.Values) listState {
	s := listState{
		Query:    truncate(strings.TrimSpace(q.Get("q")), maxQueryLength),
		Cursor:   q.Get("cursor"),
		Selected: map[string][]string{},
	}
	if l.APIExplorer {
		s.Changes = parseChangeState(q.Get)
	}
	for _, f := range l.Facets {
		var vals []string
		for _, v := range q[f.Param] {
			v = strings.TrimSpace(v)
			if v != "" && !slices.Contains(vals, v) && len(vals) < maxValuesPerFacet {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			s.Selected[f.Param] = vals
		}
	}
	return s
}

// url renders the state as a listing URL; facet parameters keep the
// listing's order so equal states give equal URLs.
func (s listState) url(l listing, withCursor bool) string {
	var parts []string
	if s.Query != "" {
		parts = append(parts, "q="+url.QueryEscape(s.Query))
	}
	for _, f := range l.Facets {
		for _, val := range s.Selected[f.Param] {
			parts = append(parts, url.QueryEscape(f.Param)+"="+url.QueryEscape(val))
		}
	}
	if s.Mine {
		parts = append(parts, "owned=me")
	}
	parts = append(parts, s.Changes.params()...)
	if withCursor && s.Cursor != "" {
		parts = append(parts, "cursor="+url.QueryEscape(s.Cursor))
	}
	if len(parts) == 0 {
		return l.Path
	}
	return l.Path + "?" + strings.Join(parts, "&")
}

// without returns the state minus one selected value, on its first page.
func (s listState) without(param, value string) listState {
	out := listState{Query: s.Query, Selected: map[string][]string{}, Mine: s.Mine, Owner: s.Owner, Changes: s.Changes, changed: s.changed}
	for p, vals := range s.Selected {
		for _, v := range vals {
			if p != param || v != value {
				out.Selected[p] = append(out.Selected[p], v)
			}
		}
	}
	return out
}

// filter builds the store filter: the fixed conditions and one condition
// per facet with a selection (values ORed), leaving out the facet named
// except (facet counts ignore their own selection, so a person can widen it).
func (s listState) filter(l listing, except string) catalog.Filter {
	set := catalog.FilterSet(slices.Clone(l.Fixed))
	if s.Mine {
		set = append(set, s.Owner)
	}
	for _, f := range l.Facets {
		vals := s.Selected[f.Param]
		if f.Param == except || len(vals) == 0 {
			continue
		}
		lowered := make([]string, len(vals))
		for i, v := range vals {
			lowered[i] = lowerASCII(v)
		}
		set = append(set, catalog.Condition{Key: f.Field, Values: lowered})
	}
	if s.changed != nil {
		return s.changed.restrict(set)
	}
	if len(set) == 0 {
		return nil
	}
	return catalog.Filter{set}
}

// serveListing answers a listing request: the whole page, or only the
// results region for an htmx request.
func (h *Handler) serveListing(c *echo.Context, l listing) error {
	s := parseListState(l, c.QueryParams())
	canFilterMine := false
	if h.ownedBy != nil {
		s.Owner, canFilterMine = h.ownedBy(c)
	}
	s.Mine = canFilterMine && c.QueryParam("owned") == "me"
	if l.APIExplorer && h.apiChanges() == nil {
		s.Changes = changeState{}
	}
	changed, err := h.changed(c.Request().Context(), s.Changes)
	if err != nil {
		return fmt.Errorf("read api changes for %s: %w", l.Path, err)
	}
	s.changed = changed
	m, err := h.buildListing(c, l, s)
	if err != nil {
		return err
	}
	m = withOwnedBy(m, canFilterMine, s)
	if l.APIExplorer && h.apiChanges() != nil {
		m.Changes = views.ChangeControls{Show: true, Window: s.Changes.Window, Breaking: s.Changes.Breaking, SortChanged: s.Changes.SortChanged}
		m.Results.ShowChanges, m.Results.SortChanged = true, s.Changes.SortChanged
		sorted := s
		sorted.Cursor = ""
		sorted.Changes.SortChanged = !s.Changes.SortChanged
		m.Results.SortURL = sorted.url(l, false)
		h.withChangeBadges(c.Request().Context(), m.Results.Items)
	}
	if c.QueryParam("deleted") == "1" {
		m.Notice = "The entity was deleted."
	}
	full := views.ListingPage(h.Page(c, l.Title, l.Nav), m)
	return render(c, http.StatusOK, full, views.ListingRegion(m))
}

// buildListing queries the store for one page and the facet counts.
func (h *Handler) buildListing(c *echo.Context, l listing, s listState) (views.Listing, error) {
	ctx := c.Request().Context()
	q := catalog.Query{
		Filter:   s.filter(l, ""),
		Order:    []catalog.Order{{Field: "metadata.name"}},
		Limit:    pageSize,
		Cursor:   s.Cursor,
		FullText: s.Query,
	}
	res := views.ListingResults{APIExplorer: l.APIExplorer}
	if s.Changes.SortChanged && s.changed != nil {
		q.Order, q.Limit, q.Cursor = nil, maxChangedAPIs, ""
	}
	page, err := h.store.Query(ctx, q)
	if err != nil && s.Cursor != "" && catalog.ErrorCode(err) == catalog.EINVALID {
		// A cursor from an old link: show the first page and say so.
		res.Error = "The page link is no longer valid; showing the first page instead."
		s.Cursor, q.Cursor = "", ""
		page, err = h.store.Query(ctx, q)
	}
	if err != nil {
		if catalog.ErrorCode(err) == catalog.EINVALID {
			return views.Listing{}, echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		return views.Listing{}, fmt.Errorf("query %s: %w", l.Path, err)
	}
	res.Items = h.summarizeAll(page.Items)
	res.Total = page.TotalItems
	if s.Changes.SortChanged && s.changed != nil {
		res.Items, res.Pager = s.changed.page(res.Items, s, l)
		res.Total = len(page.Items)
	} else if page.NextCursor != "" {
		next := s
		next.Cursor = page.NextCursor
		res.Pager.NextURL = next.url(l, true)
	}
	if page.PrevCursor != "" {
		prev := s
		prev.Cursor = page.PrevCursor
		res.Pager.PrevURL = prev.url(l, true)
	}
	res.Active, res.ClearURL = activeFilters(l, s)
	res.Limited = s.changed.limitedNote()

	groups, err := h.facetCounts(c, l, s)
	if err != nil {
		return views.Listing{}, err
	}
	return views.Listing{
		Path: l.Path, Heading: l.Heading, Intro: l.Intro, Query: s.Query,
		Facets: groups, Results: res, APIExplorer: l.APIExplorer,
	}, nil
}

// withOwnedBy adds the "Owned by me" control to a listing when someone is
// signed in.
func withOwnedBy(m views.Listing, canFilterMine bool, s listState) views.Listing {
	m.OwnedBy = views.OwnedByControl{Show: canFilterMine, Checked: s.Mine}
	return m
}

// activeFilters lists the selected values as removable chips.
func activeFilters(l listing, s listState) ([]views.ActiveFilter, string) {
	var out []views.ActiveFilter
	if s.Query != "" {
		rest := listState{Selected: s.Selected, Mine: s.Mine, Owner: s.Owner, Changes: s.Changes}
		out = append(out, views.ActiveFilter{Label: "Search: " + s.Query, RemoveURL: rest.url(l, false)})
	}
	if s.Mine {
		rest := s
		rest.Mine, rest.Cursor = false, ""
		out = append(out, views.ActiveFilter{Label: "Owned by me", RemoveURL: rest.url(l, false)})
	}
	out = append(out, changeChips(l, s)...)
	for _, f := range l.Facets {
		for _, v := range s.Selected[f.Param] {
			label := f.Label + ": " + v
			if named, _ := f.only(v); named != "" {
				label = named
			}
			out = append(out, views.ActiveFilter{Label: label, RemoveURL: s.without(f.Param, v).url(l, false)})
		}
	}
	if len(out) == 0 {
		return nil, ""
	}
	return out, l.Path
}

// facetCounts counts each facet's values. Facets without a selection share
// one store call with the whole filter; a facet with a selection is
// counted without its own condition so its other values stay visible.
func (h *Handler) facetCounts(c *echo.Context, l listing, s listState) ([]views.FacetGroup, error) {
	ctx := c.Request().Context()
	counts := map[string][]catalog.FacetCount{}
	var shared []string
	for _, f := range l.Facets {
		if len(s.Selected[f.Param]) == 0 {
			shared = append(shared, f.Field)
			continue
		}
		got, err := h.facets(ctx, []string{f.Field}, s.filter(l, f.Param), s.Query)
		if err != nil {
			return nil, fmt.Errorf("count facet %s: %w", f.Field, err)
		}
		counts[f.Field] = got[f.Field]
	}
	if len(shared) > 0 {
		got, err := h.facets(ctx, shared, s.filter(l, ""), s.Query)
		if err != nil {
			return nil, fmt.Errorf("count facets %v: %w", shared, err)
		}
		for _, field := range shared {
			counts[field] = got[field]
		}
	}
	groups := make([]views.FacetGroup, 0, len(l.Facets))
	for _, f := range l.Facets {
		g := facetGroup(f, counts[f.Field], s.Selected[f.Param])
		if f.Only != nil && len(g.Values) == 0 {
			continue
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// facetGroup orders a facet's values by count (then value), keeps the
// selected ones even when nothing matches them, and caps the list.
func facetGroup(f facet, counts []catalog.FacetCount, selected []string) views.FacetGroup {
	g := views.FacetGroup{Param: f.Param, Label: f.Label}
	sorted := slices.Clone(counts)
	slices.SortFunc(sorted, func(a, b catalog.FacetCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	seen := map[string]bool{}
	for _, fc := range sorted {
		isSel := containsFold(selected, fc.Value)
		label, keep := f.only(fc.Value)
		if !keep || len(g.Values) >= maxFacetValues && !isSel {
			continue
		}
		seen[lowerASCII(fc.Value)] = true
		g.Values = append(g.Values, views.FacetValue{Value: fc.Value, Label: label, Count: fc.Count, Selected: isSel})
	}
	for _, v := range selected {
		if !seen[lowerASCII(v)] {
			label, _ := f.only(v)
			g.Values = append(g.Values, views.FacetValue{Value: v, Label: label, Selected: true})
		}
	}
	return g
}

// only says whether the facet shows value, and with which label.
func (f facet) only(value string) (label string, keep bool) {
	if f.Only == nil {
		return "", true
	}
	label, keep = f.Only[lowerASCII(value)]
	return label, keep
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.EqualFold(s, v) })
}

func lowerASCII(s string) string { return strings.ToLower(s) }

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// facets counts among the entities the listing shows: those matching the
// filter and, where the store can, the search term too.
func (h *Handler) facets(ctx context.Context, fields []string, f catalog.Filter, text string) (map[string][]catalog.FacetCount, error) {
	if tc, ok := h.store.(catalog.TextFacetCounter); ok && text != "" {
		return tc.FacetsWithText(ctx, fields, f, text)
	}
	return h.store.Facets(ctx, fields, f)
}
