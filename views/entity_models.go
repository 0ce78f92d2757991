package views

import (
	"time"

	"github.com/a-h/templ"
)

// Tab is one tab of an entity page. Features add tabs (the API definition,
// for example) by giving the entity page more of these.
type Tab struct {
	ID    string // stable id, e.g. "overview", "yaml", "definition"
	Title string
	URL   string
}

// EntityHeader is the part of an entity page shown above every tab.
type EntityHeader struct {
	Ref         string
	Kind        string
	Namespace   string
	Name        string
	Title       string
	Description string
	Type        string
	Lifecycle   string
	Owner       Link
	System      Link
	Provider    string // the provider bucket that manages the entity
	Tags        []string
	UpdatedAt   time.Time
	Problems    []ProblemView  // the latest version failed validation
	Conflicts   []ConflictView // claims by other locations that were rejected
	Change      *ChangeBadge   // an API's latest change
}

// ConflictView is a rejected claim on this entity by another location.
type ConflictView struct {
	Provider            string
	LocationKey         string
	ExistingLocationKey string
	Location            string
	Message             string
}

// EntityFrame is what every tab of an entity page shares: the header and
// the tab bar with the active tab.
type EntityFrame struct {
	Header  EntityHeader
	Tabs    []Tab
	Active  string // Tab.ID of the tab shown
	Actions EntityActions
}

// KeyValue is one label or annotation.
type KeyValue struct {
	Key   string
	Value string
	Href  templ.SafeURL // set when the value is a safe external URL
}

// RelationGroup is the relations of one type, e.g. "ownedBy".
type RelationGroup struct {
	Type    string
	Targets []Link
}

// EntityOverview is the Overview tab.
type EntityOverview struct {
	Links       []ExternalLink
	Labels      []KeyValue
	Annotations []KeyValue
	Relations   []RelationGroup
	// MyGroups is set on the signed-in user's own User page: the groups
	// their ownership comes from.
	MyGroups []Link
}
