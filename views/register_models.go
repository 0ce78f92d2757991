package views

import (
	"strconv"
	"time"
)

// Register is the "Register an API" page (/catalog-import): a URL, and
// after Analyze the preview of what registering it would add.
type Register struct {
	URL string // the URL as typed
	// CanAct says whether this visitor may register (signed in, or an open
	// portal); the form is shown only then.
	CanAct bool
	// SignInURL is where to sign in when CanAct is false ("" when no
	// sign-in is configured).
	SignInURL string
	// Unavailable says why this server cannot register locations at all.
	Unavailable string
	CSRFToken   string
	Preview     *ImportPreview // nil until the URL is analyzed
}

// ImportPreview is the result of a dry run: the entities registering the
// URL would add, their problems and the problems of the location tree.
type ImportPreview struct {
	URL      string // the target that was read
	Location string // url:<target>
	// Error is set when the URL cannot be registered at all (not allowed,
	// not http(s), already registered); nothing else is shown then.
	Error    *ImportError
	Entities []PreviewEntity
	// Problems are those of the tree not tied to a listed entity: targets
	// that do not exist, could not be read, were refused, or loop back.
	Problems []ProblemView
	// Invalid counts the entities with problems: they would not be added
	// until fixed.
	Invalid     int
	CanRegister bool // something to register and the visitor may
	CSRFToken   string
}

// ImportError is why a URL cannot be registered, said so a person knows
// what to do next. Link, when set, leads on (the existing location).
type ImportError struct {
	Title   string
	Message string
	Link    Link
}

// PreviewEntity is one entity of a dry run.
type PreviewEntity struct {
	Ref         string
	Kind        string
	Title       string
	Description string
	Source      string // the file or URL it was read from
	Problems    []ProblemView
}

// ImportedLocation is the page of one location after registering it
// (/catalog-import/location): its record, the state of its first read and
// the entities it brought.
type ImportedLocation struct {
	Location string // url:<target>
	Type     string
	Target   string
	ID       string // empty when the location is not (or no longer) registered
	// State is "registered", "configured" (catalog.locations) or "gone".
	State string
	Read  ReadState
	// PollURL is this page's URL; the region polls it while Read.Pending.
	PollURL  string
	Entities []EntitySummary
	Total    int // entities the location's filter matches
	// Unfiltered says the target is too long for the catalog's field index
	// (Backstage's 200-character limit), so its entities cannot be listed.
	Unfiltered bool
	// Filter is the catalog API query that lists the same entities.
	Filter string
}

// ReadState is where a location's read stands.
type ReadState struct {
	Pending  bool   // not finished yet (waiting or running)
	Running  bool   // a read is in progress
	Progress string // the reader's latest note
	Started  time.Time
	Outcome  string // of the latest finished read: ok, error, ...
	Counts   string
	Errors   []string
}

// EntityActions is what an entity page offers beside its header: the
// location it came from, Refresh, Unregister, and for an orphan the banner
// and Delete entity.
type EntityActions struct {
	// Base is the entity page's URL; the actions live under Base+"/actions/".
	Base      string
	CSRFToken string
	// CanAct says whether the visitor may use the buttons; SignInURL is
	// where to sign in otherwise ("" when no sign-in is configured).
	CanAct    bool
	SignInURL string
	// CanRefresh is false when the server has no location service.
	CanRefresh bool
	Location   *OriginLocation
	Orphan     *Orphan
	Notice     string // the outcome of the action just done
}

// Show reports whether there is anything to show: a location, an action
// or a notice.
func (a EntityActions) Show() bool {
	return a.CanRefresh || a.Location != nil || a.Notice != ""
}

// OriginLocation is the location an entity came from (its origin).
type OriginLocation struct {
	ID     string
	Type   string
	Target string
	// Registered says it was registered (and so can be unregistered);
	// false for one from catalog.locations.
	Registered bool
	URL        string // its page (/catalog-import/location?...)
}

// Orphan says why an entity is orphaned.
type Orphan struct {
	// ListedBy is the location that no longer lists it: the Location whose
	// targets dropped it (its portico.dev/orphaned-by), else the configured
	// or registered location it was read through (its
	// managed-by-origin-location).
	ListedBy string
	// ManagedBy is the file, URL or object it was read from (its
	// managed-by-location), named when it is not ListedBy.
	ManagedBy string
	Since     time.Time // when it was orphaned (its last update)
	UID       string
}

// Confirm is a confirmation step for a destructive action: a page without
// JavaScript, a panel in place with htmx.
type Confirm struct {
	Title     string
	Message   string
	Action    string // the form's POST URL
	Hidden    []HiddenField
	Button    string
	CancelURL string
	CSRFToken string
	TestID    string
}

// HiddenField is one hidden input of a form.
type HiddenField struct {
	Name  string
	Value string
}

// problemsTitle counts problems in words.
func problemsTitle(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return strconv.Itoa(n) + " problems"
}

// entityCount says "1 entity", "3 entities".
func entityCount(n int) string { return resultCount(n) }

// locationStateText says what a location's state means for a person.
func locationStateText(state string) string {
	switch state {
	case "registered":
		return "Registered: read again on the catalog's schedule, and whenever someone presses Refresh."
	case "configured":
		return "Configured in catalog.locations; change the configuration to remove it."
	}
	return "Not registered (any more). Entities it brought are kept as orphans until deleted."
}
