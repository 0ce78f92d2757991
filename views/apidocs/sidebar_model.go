package apidocs

// SidebarView is the left pane of every definition page, whatever the
// format: a filter box and the definition's sections (tags, channels,
// types, services) with their items. One component renders it for
// OpenAPI and the structured formats alike.
type SidebarView struct {
	// Action is where the filter form goes without JavaScript (the
	// Definition tab); ListURL answers the sections alone, for the filter
	// to narrow the list as one types (htmx).
	Action  string
	ListURL string
	// Hidden are extra fields the filter sends (the reference page's
	// current page, so its links stay relative to it).
	Hidden []Field
	List   SidebarList
}

// SidebarList is the part of the sidebar the filter replaces: the note on
// what the filter kept and the sections.
type SidebarList struct {
	Filter string
	// Matches counts what the filter kept (when Filter is set); Shown is
	// how many of them are listed.
	Matches, Shown int
	ClearURL       string // the unfiltered page
	Sections       []SidebarSection
}

// Field is a hidden form field.
type Field struct{ Name, Value string }

// SidebarSection is one group of the sidebar. A closed section of a large
// definition lists no items: they load when it is opened (LoadURL, htmx),
// or, without JavaScript, on the page MoreURL names.
type SidebarSection struct {
	ID      string
	Title   string
	Count   int
	Open    bool
	LoadURL string
	MoreURL string
	Items   []SidebarItem
	// Left counts the items not listed (the filter finds them).
	Left int
}

// SidebarItem is one entry: a link to an operation or item of the page.
type SidebarItem struct {
	Href       string
	Label      string
	Badge      string // HTTP method or kind; "" for none
	BadgeClass string
	Deprecated bool
	Current    bool
	// Target is the id of the element the link shows, so the page's
	// script can open it in place when it is already on the page.
	Target string
}
