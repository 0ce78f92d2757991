// Package syncstatus renders the /providers page: each provider's schedule,
// last and next run, the run in progress with a "Sync now" button, and its
// recent runs with their errors. Handlers in web/syncstatus fill the models.
package syncstatus

// Provider is one provider's row on the page.
type Provider struct {
	Index    int // stable position, for element ids (names contain ':')
	Name     string
	Schedule string
	NextRun  string
	Last     *Run
	Running  *Run
	Recent   []Run
	// Held counts removals waiting for confirmation (since HeldSince, for
	// at most Grace).
	Held      int
	HeldSince string
	Grace     string
}

// Run is one run as the page shows it.
type Run struct {
	ID        string
	Provider  string
	Trigger   string
	Started   string
	Duration  string
	Outcome   string
	Counts    string // "3 added, 1 updated, 0 removed, 10 unchanged, 0 invalid"
	Message   string
	Progress  string
	Errors    []string
	Running   bool
	StatusURL string
}

// Connected is a provider that pushes its changes (a file location
// following a disk): no schedule, but the same questions answered — is it
// loaded, what did it last write, are writes failing and why.
type Connected struct {
	Name    string
	Follows string
	Loaded  bool
	// LastApplied is "2026-12-06 10:00:00 UTC · 3 added, ..." or "".
	LastApplied string
	// FailingSince and LastError are set while writes fail.
	FailingSince string
	Failures     int
	LastError    string
}

// Webhooks links the API-change webhooks' deliveries from the page, with
// how many are failing (a retry is due) and given up.
type Webhooks struct {
	URL               string
	Retrying, GivenUp int
	Unknown           bool // the counts could not be read
}
