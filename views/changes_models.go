package views

import "time"

// ChangeBadge says when an API last changed: "breaking change 3 days
// ago" or "changed today", linked to its Changes tab.
type ChangeBadge struct {
	Label    string
	Breaking bool
	At       time.Time
	URL      string // the API's Changes tab, the diff of that change
}

// ChangeControls are the /apis filters and sort by an API's latest change,
// shown when the change history is on.
type ChangeControls struct {
	Show bool
	// Window is the selected "changed in the last N days" (0: any time).
	Window   int
	Breaking bool
	// SortChanged lists the APIs by their latest change, newest first.
	SortChanged bool
}

// ChangedAPI is an API consumed by the signed-in user's components that
// changed recently (the home page).
type ChangedAPI struct {
	API       Link
	Change    ChangeBadge
	Consumers []Link // the user's components that consume it
}

// ConsumerView is a component that consumes an API, with its owner (the
// diff page lists them on a breaking change).
type ConsumerView struct {
	Component Link
	Owner     Link
}

// changeBadgeClass colours a ChangeBadge: red for a breaking change.
func changeBadgeClass(breaking bool) string {
	if breaking {
		return "bg-red-50 text-red-800 ring-red-200 hover:bg-red-100 dark:bg-red-950 dark:text-red-200 dark:ring-red-900"
	}
	return "bg-sky-50 text-sky-800 ring-sky-200 hover:bg-sky-100 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-900"
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// sortAttr is a sortable column's aria-sort.
func sortAttr(sorted bool) string {
	if sorted {
		return "descending"
	}
	return "none"
}
