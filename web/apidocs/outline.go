package apidocs

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
)

// outline is an OpenAPI definition's operations in page order (tags in the
// order the definition declares them, untagged last), numbered, so a
// response can hold any run of them: the first screen, the next piece as
// the reader scrolls, the piece around a deep link.
type outline struct {
	groups []av.TagGroup
	ops    []outlineOp
	at     map[string]int // operation key, then operationId → position
	all    []int          // 0..len(ops)-1: the selection without a filter
}

type outlineOp struct {
	group int
	op    av.OperationSummary
	text  string // lower-case text the filter matches
}

func newOutline(sum *openapi.Summary) *outline {
	o := &outline{groups: groupByTag(sum), at: map[string]int{}}
	ids := newAnchors()
	for gi := range o.groups {
		g := &o.groups[gi]
		g.ID = ids.make("tag", g.Name)
		for _, op := range g.Operations {
			o.at[op.Key] = len(o.ops)
			o.ops = append(o.ops, outlineOp{group: gi, op: op,
				text: strings.ToLower(op.Method + " " + op.Path + "\x00" + op.Summary + "\x00" + op.OperationID + "\x00" + g.Name)})
		}
	}
	o.all = make([]int, len(o.ops))
	for i, op := range o.ops {
		o.all[i] = i
		if _, taken := o.at[op.op.OperationID]; op.op.OperationID != "" && !taken {
			o.at[op.op.OperationID] = i
		}
	}
	return o
}

// outline is the definition's outline, built once per entity version.
func (d *apiDef) outline(sum *openapi.Summary) *outline {
	d.outOnce.Do(func() { d.out = newOutline(sum) })
	return d.out
}

// selection is the positions of the operations a page lists, ascending:
// all (shared: callers must not modify it), or those the filter keeps.
func (o *outline) selection(q string) []int {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return o.all
	}
	out := make([]int, 0, len(o.ops))
	for i, op := range o.ops {
		if q == "" || strings.Contains(op.text, q) {
			out = append(out, i)
		}
	}
	return out
}

// find is the position in sel of the operation named by key or
// operationId, or -1.
func (o *outline) find(sel []int, name string) int {
	at, ok := o.at[name]
	if !ok {
		return -1
	}
	if i, found := slices.BinarySearch(sel, at); found {
		return i
	}
	return -1
}

// tagStart is the position in sel of the first operation of the tag, or -1.
func (o *outline) tagStart(sel []int, tag string) int {
	for i, p := range sel {
		if o.groups[o.ops[p].group].Name == tag {
			return i
		}
	}
	return -1
}

// chunkStart rounds a position down to the start of its chunk.
func chunkStart(pos int) int {
	return pos / av.OperationsPerChunk * av.OperationsPerChunk
}

// chunk is the operations sel[from:to] grouped by tag, with the links to
// the operations before and after them. A group that continues the one
// before it (in an appended chunk) is marked Continued: it has no heading
// of its own. explicitTo is set when the reader asked for a range ending
// where the page already shows more (earlier operations): no link onwards.
func (o *outline) chunk(base, q string, sel []int, from, to int, explicitTo bool) av.OpsChunk {
	from = min(max(from, 0), len(sel))
	to = min(max(to, from), len(sel))
	c := av.OpsChunk{BaseURL: base, From: from, To: to, Total: len(sel), Filter: q}
	last := -1
	for _, p := range sel[from:to] {
		op := o.ops[p]
		if op.group != last || len(c.Groups) == 0 {
			g := o.groups[op.group]
			c.Groups = append(c.Groups, av.TagGroup{Name: g.Name, ID: g.ID, Description: g.Description})
			last = op.group
		}
		c.Groups[len(c.Groups)-1].Operations = append(c.Groups[len(c.Groups)-1].Operations, op.op)
	}
	if from > 0 {
		prev := max(from-av.OperationsPerChunk, 0)
		c.EarlierURL = base + "/ops?" + rangeQuery(q, prev, from)
		c.EarlierPage = base + "?" + rangeQuery(q, prev, -1)
	}
	if to < len(sel) && !explicitTo {
		c.NextURL = base + "/ops?" + rangeQuery(q, to, -1)
		c.NextPage = base + "?" + rangeQuery(q, to, -1)
	}
	return c
}

// continues marks the chunk's first group as continuing the tag of the
// operation before it, so an appended chunk does not repeat the heading.
func (o *outline) continues(c *av.OpsChunk, sel []int) {
	if c.From == 0 || len(c.Groups) == 0 || c.From > len(sel) {
		return
	}
	if o.groups[o.ops[sel[c.From-1]].group].Name == c.Groups[0].Name {
		c.Groups[0].Continued = true
	}
}

func rangeQuery(q string, from, to int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if from > 0 {
		v.Set("from", strconv.Itoa(from))
	}
	if to >= 0 {
		v.Set("to", strconv.Itoa(to))
	}
	return v.Encode()
}

// sidebarOpenAll is the most operations a definition may have for its
// sidebar to list them all on the first response; a larger one lists its
// tags, each opened (and its operations fetched) on demand.
const sidebarOpenAll = 100

// sidebarMatches bounds the operations a filtered sidebar lists.
const sidebarMatches = 200

// sidebar is the OpenAPI sidebar: every tag, with the operations of the
// open tags listed (all of them on a small definition; on a large one the
// tags holding openKey or named by openTag); filtered, the tags with
// matches and the matches.
func (o *outline) sidebar(base, q string, sel []int, openKey, openTag string) av.SidebarList {
	q = strings.TrimSpace(q)
	l := av.SidebarList{Filter: q, ClearURL: base}
	open := map[int]bool{}
	if at, ok := o.at[openKey]; ok {
		open[o.ops[at].group] = true
	}
	var matched map[int][]int // group → positions
	if q != "" {
		matched = map[int][]int{}
		for _, p := range sel {
			l.Matches++
			if l.Shown < sidebarMatches {
				l.Shown++
				matched[o.ops[p].group] = append(matched[o.ops[p].group], p)
			}
		}
	}
	for gi, g := range o.groups {
		s := av.SidebarSection{ID: g.ID, Title: g.Name, Count: len(g.Operations),
			LoadURL: base + "/sidebar?tag=" + url.QueryEscape(g.Name),
			MoreURL: base + "?tag=" + url.QueryEscape(g.Name) + "#" + g.ID}
		switch {
		case matched != nil:
			if len(matched[gi]) == 0 {
				continue
			}
			s.Open, s.Count = true, len(matched[gi])
			for _, p := range matched[gi] {
				s.Items = append(s.Items, sidebarItem(base, o.ops[p].op, openKey))
			}
		case len(o.ops) <= sidebarOpenAll || open[gi] || g.Name == openTag:
			s.Open = true
			s.Items, s.Left = o.sectionItems(base, gi, openKey, sidebarMatches)
		}
		l.Sections = append(l.Sections, s)
	}
	return l
}

// section is one tag's sidebar entry with all its operations.
func (o *outline) section(base, tag, openKey string) (av.SidebarSection, bool) {
	for gi, g := range o.groups {
		if g.Name == tag {
			s := av.SidebarSection{ID: g.ID, Title: g.Name, Count: len(g.Operations), Open: true}
			s.Items, s.Left = o.sectionItems(base, gi, openKey, sidebarSection)
			return s, true
		}
	}
	return av.SidebarSection{}, false
}

// sectionItems lists a tag's operations, at most limit of them around
// openKey (from the first when it is not in the tag), and how many are
// left out.
func (o *outline) sectionItems(base string, gi int, openKey string, limit int) ([]av.SidebarItem, int) {
	ops := o.groups[gi].Operations
	from := 0
	for i, op := range ops {
		if op.Key == openKey {
			from = max(0, i-limit/2)
		}
	}
	to := min(len(ops), from+limit)
	from = max(0, to-limit)
	items := make([]av.SidebarItem, 0, to-from)
	for _, op := range ops[from:to] {
		items = append(items, sidebarItem(base, op, openKey))
	}
	return items, len(ops) - (to - from)
}

// sidebarSection bounds the operations one opened tag lists (a definition
// may put thousands of operations under one tag, or none).
const sidebarSection = 500

func sidebarItem(base string, op av.OperationSummary, openKey string) av.SidebarItem {
	label := op.Summary
	if label == "" {
		label = op.Path
	}
	return av.SidebarItem{
		Href: base + "?op=" + url.QueryEscape(op.Key) + "#op-" + op.Key, Label: label,
		Badge: op.Method, BadgeClass: av.MethodBadge(op.Method), Deprecated: op.Deprecated,
		Current: op.Key == openKey, Target: "op-" + op.Key,
	}
}

// startOf is where the page's run of operations starts: at the chunk
// holding the deep-linked operation, at the first operation of the tag
// asked for, at ?from=, or (the old ?page= of whole pages) at that page.
func startOf(c interface{ QueryParam(string) string }, o *outline, sel []int, openKey, tag string) int {
	if openKey != "" {
		if i := o.find(sel, openKey); i >= 0 {
			return chunkStart(i)
		}
	}
	if tag != "" {
		if i := o.tagStart(sel, tag); i >= 0 {
			return i
		}
	}
	if from, err := strconv.Atoi(c.QueryParam("from")); err == nil && from > 0 && from < len(sel) {
		return from
	}
	if page, err := strconv.Atoi(c.QueryParam("page")); err == nil && page > 1 {
		return min(chunkStart((page-1)*av.OperationsPerChunk), chunkStart(max(len(sel)-1, 0)))
	}
	return 0
}
