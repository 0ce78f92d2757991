package apichanges

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/views"
)

// TabView is the Changes tab: the timeline, the picker and one diff.
type TabView struct {
	API      string // the API's ref, for headings
	Versions []VersionRow
	From, To int64     // the diffed pair, 0 when none
	Diff     *DiffView // nil when there is nothing to diff
	Action   string    // the picker form's action (this tab's URL)
}

// VersionRow is one version on the timeline.
type VersionRow struct {
	ID          int64
	Date        string // when it became current, UTC
	InfoVersion string
	Source      string // provider · location
	Current     bool
	Counted     bool // the diff from the previous version is computed
	DiffFailed  bool // it could not be (DiffURL shows why)
	Breaking    int
	Other       int
	DiffURL     string // this version against the one before it; "" for the first
	Label       string // for the picker
}

// DiffView is the diff between two versions, breaking groups first.
type DiffView struct {
	Title  string
	Error  string
	Counts apidiff.Counts
	Groups []GroupView
	// ShowConsumers is set for a diff with breaking changes: Consumers are
	// the components that consume the API, with their owners.
	ShowConsumers  bool
	Consumers      []views.ConsumerView
	ConsumersError string
}

// GroupView is one operation's (or section's) changes.
type GroupView struct {
	Title  string
	Link   templ.SafeURL // to the operation or item on the Definition tab; "" when the current definition lacks it
	Level  string
	Change []ChangeView
}

// ChangeView is one classified change.
type ChangeView struct {
	Level string
	Text  string
	ID    string
}

func tabURL(ref catalog.Ref) string {
	return "/catalog/" + url.PathEscape(ref.Namespace) + "/api/" + url.PathEscape(ref.Name) + "/changes"
}

func diffURL(ref catalog.Ref, from, to int64) string {
	return tabURL(ref) + "?from=" + strconv.FormatInt(from, 10) + "&to=" + strconv.FormatInt(to, 10)
}

func timelineRows(ref catalog.Ref, tl []apihistory.Entry) []VersionRow {
	rows := make([]VersionRow, len(tl))
	for i, e := range tl {
		r := VersionRow{
			ID:          e.ID,
			Date:        e.CurrentSince.Format("2006-01-02 15:04 UTC"),
			InfoVersion: e.InfoVersion,
			Source:      strings.Trim(e.Provider+" · "+e.Location, " ·"),
			Current:     i == 0,
		}
		if e.Changes != nil {
			r.Counted, r.Breaking, r.Other = true, e.Changes.Breaking, e.Changes.Warning+e.Changes.Info
		}
		r.DiffFailed = e.DiffError != ""
		if e.PrevID != 0 {
			r.DiffURL = diffURL(ref, e.PrevID, e.ID)
		}
		r.Label = r.Date
		if r.InfoVersion != "" {
			r.Label = r.InfoVersion + " — " + r.Date
		}
		if r.Current {
			r.Label += " (current)"
		}
		rows[i] = r
	}
	return rows
}

// diffView shapes a report for the page; definitionURL links operations
// (nil: no links) and itemURLs the sections of a structural diff ("channel
// x", "object Film", "service pkg.S") to their items in the current
// definition.
func diffView(rep *apidiff.Report, toCurrent bool, definitionURL func(opKey string) string, itemURLs map[string]string) *DiffView {
	v := &DiffView{Counts: rep.Counts}
	for _, g := range rep.Groups {
		gv := GroupView{Level: string(g.Level), Title: g.Section}
		if g.Section == "" {
			gv.Title = g.Method + " " + g.Path
		}
		if toCurrent && g.InRevision && g.OperationKey != "" && definitionURL != nil {
			gv.Link = templ.SafeURL(definitionURL(g.OperationKey))
		}
		if u := itemURLs[g.Section]; toCurrent && g.Section != "" && u != "" {
			gv.Link = templ.SafeURL(u)
		}
		for _, c := range g.Changes {
			gv.Change = append(gv.Change, ChangeView{Level: string(c.Level), Text: c.Text, ID: c.ID})
		}
		v.Groups = append(v.Groups, gv)
	}
	return v
}

func levelClass(level string) string {
	switch level {
	case string(apidiff.Breaking):
		return "bg-red-50 text-red-900 ring-red-200 dark:bg-red-950 dark:text-red-100 dark:ring-red-900"
	case string(apidiff.Warning):
		return "bg-amber-50 text-amber-900 ring-amber-200 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-900"
	default:
		return "bg-slate-100 text-slate-700 ring-slate-200 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-700"
	}
}

func levelLabel(level string) string {
	switch level {
	case string(apidiff.Breaking):
		return "breaking"
	case string(apidiff.Warning):
		return "potentially breaking"
	default:
		return "non-breaking"
	}
}

func itoa(n int) string   { return strconv.Itoa(n) }
func id64(n int64) string { return strconv.FormatInt(n, 10) }
