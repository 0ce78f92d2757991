package views

// Listing is the catalog page and the API explorer: facet filters, a text
// search and one page of results. All of its state is in the URL.
type Listing struct {
	Path        string // the page's path: /catalog or /apis
	Heading     string
	Intro       string
	Query       string // the text search term (q)
	Facets      []FacetGroup
	Results     ListingResults
	APIExplorer bool // the /apis table (API columns) instead of the catalog's
	OwnedBy     OwnedByControl
	Changes     ChangeControls
	// Notice reports an action just done (an entity deleted).
	Notice string
}

// OwnedByControl is the "Owned by me" filter, shown to signed-in people.
type OwnedByControl struct {
	Show    bool
	Checked bool
}

// FacetGroup is one filter (kind, spec.type, ...) with the values present in
// the catalog and how many entities have each.
type FacetGroup struct {
	Param  string // the URL query parameter, e.g. "kind"
	Label  string // e.g. "Kind"
	Values []FacetValue
}

// FacetValue is one selectable value of a facet.
type FacetValue struct {
	Value    string
	Label    string // shown instead of Value when set ("Orphaned" for true)
	Count    int
	Selected bool
}

// Display is what the facet's checkbox label says.
func (v FacetValue) Display() string {
	if v.Label != "" {
		return v.Label
	}
	return v.Value
}

// ActiveFilter is a selected facet value shown as a removable chip.
type ActiveFilter struct {
	Label     string // e.g. "Kind: api"
	RemoveURL string // the same listing without this value
}

// ListingResults is the region htmx replaces: the result table, the active
// filters and the pager.
type ListingResults struct {
	Items       []EntitySummary
	Total       int
	Active      []ActiveFilter
	ClearURL    string // the listing with no filter and no search; empty when nothing is set
	Pager       Pager
	APIExplorer bool
	Error       string // a problem with the request (e.g. an expired cursor)
	// Limited says what the results leave out and why (the change filters
	// consider only the most recently changed APIs).
	Limited string
	// ShowChanges adds the "Last change" column; SortURL is the listing
	// sorted by it (or back by name when SortChanged).
	ShowChanges bool
	SortChanged bool
	SortURL     string
}

// Pager links to the neighbouring pages of a keyset-paginated list.
type Pager struct {
	PrevURL string
	NextURL string
}
