package views

import "time"

// EntitySummary is one entity as lists and tables show it.
type EntitySummary struct {
	Ref         string // kind:namespace/name
	URL         string // its entity page
	Kind        string
	Namespace   string
	Name        string
	Title       string // metadata.title, or the name
	Description string
	Type        string // spec.type
	Lifecycle   string // spec.lifecycle
	Owner       Link   // spec.owner, linked to the owner's page
	System      Link   // spec.system
	Tags        []string
	UpdatedAt   time.Time
	Orphan      bool // annotated backstage.io/orphan: 'true'
	// Change is an API's latest change, nil when it never changed or the
	// history is off.
	Change *ChangeBadge
}

// KindCount is one kind on the home page with its number of entities.
type KindCount struct {
	Kind  string
	Count int
	URL   string // the catalog filtered to this kind
}

// ProblemView is one validation problem as a person reads it.
type ProblemView struct {
	File     string
	Document int
	Entity   string
	Field    string
	Message  string
}

// SourceProblemView is a source (file, URL, object) that could not be read
// or whose entities never had a valid version.
type SourceProblemView struct {
	Provider  string
	Location  string
	Problems  []ProblemView
	UpdatedAt time.Time
}

// HomePage is the landing page: what is in the catalog and what is wrong.
type HomePage struct {
	Total          int
	Kinds          []KindCount
	Recent         []EntitySummary
	SourceProblems []SourceProblemView
	// ConsumedChanged lists the APIs the signed-in user's components
	// consume that changed recently, breaking ones first; ShowConsumed
	// says someone is signed in and the history is on.
	ConsumedChanged []ChangedAPI
	ShowConsumed    bool
}
