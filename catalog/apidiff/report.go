package apidiff

import (
	"cmp"
	"slices"
)

// Level says what a change means for an API's consumers.
type Level string

// Levels, from most to least severe.
const (
	Breaking Level = "breaking" // existing clients fail
	Warning  Level = "warning"  // potentially breaking: clients may fail
	Info     Level = "info"     // non-breaking
)

func (l Level) rank() int {
	switch l {
	case Breaking:
		return 3
	case Warning:
		return 2
	default:
		return 1
	}
}

// AtLeast reports whether l is as severe as min or more.
func (l Level) AtLeast(min Level) bool { return l.rank() >= min.rank() }

// Change is one classified difference between two definitions.
type Change struct {
	ID      string `json:"id"` // oasdiff's rule id, e.g. "api-removed-without-deprecation"
	Level   Level  `json:"level"`
	Text    string `json:"text"`
	Comment string `json:"comment,omitempty"`
}

// Group holds the changes to one operation, or to one section that is
// not an operation ("components/schemas", "security", ...).
type Group struct {
	Method      string `json:"method,omitempty"` // upper case; empty for a section
	Path        string `json:"path,omitempty"`
	OperationID string `json:"operationId,omitempty"`
	// OperationKey is the operation's key on the API's reference page
	// (see openapi.OperationSummary.Key), in the newer definition when it
	// still has the operation, else in the older one; empty for a section.
	OperationKey string `json:"operationKey,omitempty"`
	// InRevision is true when the newer definition has the operation, so
	// OperationKey links to it there.
	InRevision bool     `json:"inRevision,omitempty"`
	Section    string   `json:"section,omitempty"`
	Level      Level    `json:"level"` // the most severe of Changes
	Changes    []Change `json:"changes"`
}

// Counts tallies changes by level.
type Counts struct {
	Breaking int `json:"breaking"`
	Warning  int `json:"warning"`
	Info     int `json:"info"`
}

// Total is the number of changes counted.
func (c Counts) Total() int { return c.Breaking + c.Warning + c.Info }

func (c *Counts) add(l Level) {
	switch l {
	case Breaking:
		c.Breaking++
	case Warning:
		c.Warning++
	default:
		c.Info++
	}
}

// Report is the classified difference from one definition to another.
type Report struct {
	FromVersion string  `json:"fromVersion,omitempty"` // info.version
	ToVersion   string  `json:"toVersion,omitempty"`
	Counts      Counts  `json:"counts"`
	Groups      []Group `json:"groups"`
}

// Has reports whether the report holds a change at least as severe as min.
func (r *Report) Has(min Level) bool {
	for _, g := range r.Groups {
		if g.Level.AtLeast(min) {
			return true
		}
	}
	return false
}

// sortGroups puts the most severe groups first, then operations before
// sections, then by path and method; within a group, the most severe
// changes first, in the order oasdiff gave them.
func sortGroups(groups []Group) {
	for i := range groups {
		slices.SortStableFunc(groups[i].Changes, func(a, b Change) int {
			return b.Level.rank() - a.Level.rank()
		})
	}
	slices.SortFunc(groups, func(a, b Group) int {
		if c := b.Level.rank() - a.Level.rank(); c != 0 {
			return c
		}
		if c := boolCmp(a.Section != "", b.Section != ""); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method), cmp.Compare(a.Section, b.Section))
	})
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	default:
		return 1
	}
}
