package apidocs

import "strconv"

// ReferenceView is a definition other than OpenAPI (AsyncAPI, GraphQL,
// gRPC) shown structured: a sidebar of sections (channels, operations,
// types, services...) and their items. One shape serves the three formats,
// so they look alike and share one set of components.
type ReferenceView struct {
	Title       string
	Version     string
	Format      string // "AsyncAPI 3.0.0", "GraphQL schema", "Protocol Buffers (proto3)"
	Description string // Markdown, sanitized when rendered
	Facts       []Fact
	Error       *ReferenceError // the definition could not be read
	Problems    []string        // read, but with parts that could not be resolved
	// Sections hold every item, for the sidebar; the page shows the items
	// of Pager.Page only, so a schema of thousands of types is served a
	// page at a time.
	Sections []RefSection
	Pager    Pager
	// ItemPage is the page of each item's ID (absent: page 1).
	ItemPage map[string]int
	// Filter is the sidebar filter's text; when set, Matches holds the
	// IDs of the items it keeps, all shown on one page, and MoreMatches
	// counts those left out past ItemsPerPage.
	Filter      string
	Matches     map[string]bool
	MoreMatches int
}

// ItemsPerPage bounds the items one reference page shows.
const ItemsPerPage = 50

// Href links to an item from the page the view is on: a fragment, or a
// query relative to the Definition tab's own URL for an item on another
// page.
func (r ReferenceView) Href(id string) string {
	if r.Shows(id) {
		return "#" + id
	}
	return "?page=" + strconv.Itoa(r.page(id)) + "#" + id
}

func (r ReferenceView) page(id string) int {
	if p, ok := r.ItemPage[id]; ok {
		return p
	}
	return 1
}

// Shows reports whether the current page shows the item.
func (r ReferenceView) Shows(id string) bool {
	if r.Matches != nil {
		return r.Matches[id]
	}
	return r.page(id) == max(r.Pager.Page, 1)
}

// Lists reports whether the sidebar lists the item.
func (r ReferenceView) Lists(id string) bool {
	return r.Matches == nil || r.Matches[id]
}

// ShowsAny reports whether the current page shows any item of s.
func (r ReferenceView) ShowsAny(s RefSection) bool {
	for _, it := range s.Items {
		if r.Shows(it.ID) {
			return true
		}
	}
	return false
}

// ReferenceError is why a definition cannot be shown, and where.
type ReferenceError struct {
	File         string
	Line, Column int // 0 when unknown
	Message      string
}

// Fact is one labelled value.
type Fact struct {
	Label, Value string
}

// RefSection is one group of the sidebar and the page.
type RefSection struct {
	ID          string // anchor, unique on the page
	Title       string
	Description string // Markdown
	Items       []RefItem
}

// RefItem is one documented thing: a channel, an operation, a type, an RPC.
type RefItem struct {
	ID                string // anchor, unique on the page
	Name              string
	Kind              string // badge: send, receive, query, object, rpc, ...
	Signature         string // shown in monospace under the name
	Summary           string // plain text
	Description       string // Markdown
	Deprecated        bool
	DeprecationReason string
	Facts             []Fact
	Links             []RefLink
	Tables            []RefTable
	Schemas           []RefSchema
	Data              []RefData
	Children          []RefItem // an operation's messages
}

// RefLink points at another item of the page.
type RefLink struct {
	Label string // "Channel", "Implements", "Returns"
	Items []LinkTarget
}

// LinkTarget is one linked item; ID is "" when the target is not on the page.
type LinkTarget struct {
	Text, ID string
}

// RefTable is a table of fields, arguments, parameters or values.
type RefTable struct {
	Title string
	Rows  []RefRow
}

// RefRow is one row of a RefTable.
type RefRow struct {
	Name              string
	Type              string
	TypeID            string // anchor of the type's item, when on the page
	Default           string
	Note              string // "= 1", "oneof pay", "enum: a, b"
	Description       string // Markdown
	Required          bool
	Deprecated        bool
	DeprecationReason string
}

// RefSchema is a titled schema tree (a message's headers or payload).
type RefSchema struct {
	Title string
	Root  *SchemaView
}

// SchemaView is one node of a schema tree, shaped like the OpenAPI view's.
type SchemaView struct {
	Name        string
	Ref         string
	Type        string
	Format      string
	Description string // plain text
	Required    bool
	Deprecated  bool
	ReadOnly    bool
	WriteOnly   bool
	Enum        []string
	Constraints []string
	Combinator  string
	Children    []*SchemaView
	Cycle       bool
	Truncated   bool
}

// RefData is data shown as text: bindings, examples.
type RefData struct {
	Title string
	Lang  string // yaml, json
	Text  string
}

// Sidebar is the reference's sidebar: every section open, listing the
// items the filter keeps (all, unfiltered), with kind badges on sections
// short enough to afford them. base is the Definition tab's URL. The
// filter sends the page it is on (past the first), so the links it lists
// stay relative to that page.
func (r ReferenceView) Sidebar(base string) SidebarView {
	v := SidebarView{Action: base, ListURL: base + "/sidebar", List: r.SidebarList(base)}
	if r.Pager.Page > 1 {
		v.Hidden = []Field{{Name: "page", Value: strconv.Itoa(r.Pager.Page)}}
	}
	return v
}

// SidebarList is the part of Sidebar the filter replaces.
func (r ReferenceView) SidebarList(base string) SidebarList {
	l := SidebarList{Filter: r.Filter, ClearURL: base}
	if r.Matches != nil {
		l.Matches, l.Shown = len(r.Matches)+r.MoreMatches, len(r.Matches)
	}
	for _, s := range r.Sections {
		if r.Matches != nil && !r.ShowsAny(s) {
			continue
		}
		sec := SidebarSection{ID: s.ID, Title: s.Title, Open: true}
		for _, it := range s.Items {
			if !r.Lists(it.ID) {
				continue
			}
			item := SidebarItem{Href: r.Href(it.ID), Label: it.Name, Deprecated: it.Deprecated, Target: it.ID}
			if it.Kind != "" && len(s.Items) <= sidebarBadges {
				item.Badge, item.BadgeClass = shortKind(it.Kind), kindClass(it.Kind)+" shrink-0"
			}
			sec.Items = append(sec.Items, item)
		}
		sec.Count = len(sec.Items)
		l.Sections = append(l.Sections, sec)
	}
	return l
}
