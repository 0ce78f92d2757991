package apidiff

import (
	"context"
	"fmt"

	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
)

// Input is one side of a diff.
type Input struct {
	Name   string         // for errors: a file, URL or "version 3"
	Data   []byte         // the definition, JSON or YAML
	Reader catalog.Reader // resolves relative $refs; nil refuses them
}

// OpenAPI diffs two OpenAPI (or Swagger 2.0) definitions and classifies
// every change with oasdiff's checker, at every level (breaking, warning,
// info).
func OpenAPI(ctx context.Context, from, to Input, limits openapi.Limits) (*Report, error) {
	a, err := loadSide(ctx, from, limits)
	if err != nil {
		return nil, err
	}
	b, err := loadSide(ctx, to, limits)
	if err != nil {
		return nil, err
	}
	changes, err := check(a, b)
	if err != nil {
		return nil, err
	}
	return build(changes, a, b), nil
}

type side struct {
	info *load.SpecInfo
	keys map[string]string // "GET /pets" → operation key on the reference page
}

func loadSide(ctx context.Context, in Input, limits openapi.Limits) (*side, error) {
	doc, sum, err := openapi.LoadDocument(ctx, in.Data, in.Reader, limits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.Name, err)
	}
	s := &side{
		info: &load.SpecInfo{Spec: doc, Url: in.Name, Version: sum.Version},
		keys: make(map[string]string, len(sum.Operations)),
	}
	for _, o := range sum.Operations {
		s.keys[o.Method+" "+o.Path] = o.Key
	}
	return s, nil
}

// check runs oasdiff's diff and checker. They are third-party code walking
// untrusted definitions: a panic is reported as this diff's error.
func check(a, b *side) (changes checker.Changes, err error) {
	defer func() {
		if p := recover(); p != nil {
			changes, err = nil, fmt.Errorf("diff %s and %s: the diff library failed (%v)", a.info.Url, b.info.Url, p)
		}
	}()
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), a.info, b.info)
	if err != nil {
		return nil, fmt.Errorf("diff %s and %s: %w", a.info.Url, b.info.Url, err)
	}
	cfg := checker.NewConfig(checker.GetAllChecks())
	return checker.CheckBackwardCompatibilityUntilLevel(cfg, d, sources, checker.INFO), nil
}

var localizer = checker.NewDefaultLocalizer()

func build(changes checker.Changes, a, b *side) *Report {
	r := &Report{FromVersion: a.info.Version, ToVersion: b.info.Version, Groups: []Group{}}
	index := map[string]int{}
	for _, c := range changes {
		ch := Change{
			ID:      c.GetId(),
			Level:   levelOf(c.GetLevel()),
			Text:    c.GetUncolorizedText(localizer),
			Comment: c.GetComment(localizer),
		}
		r.Counts.add(ch.Level)
		g := groupOf(c, a, b)
		key := g.Method + " " + g.Path + " " + g.Section
		i, ok := index[key]
		if !ok {
			i = len(r.Groups)
			index[key] = i
			g.Level = Info
			r.Groups = append(r.Groups, g)
		}
		r.Groups[i].Changes = append(r.Groups[i].Changes, ch)
		if ch.Level.rank() > r.Groups[i].Level.rank() {
			r.Groups[i].Level = ch.Level
		}
	}
	sortGroups(r.Groups)
	return r
}

func groupOf(c checker.Change, a, b *side) Group {
	if c.GetPath() == "" || c.GetOperation() == "" {
		return Group{Section: sectionOf(c)}
	}
	g := Group{Method: c.GetOperation(), Path: c.GetPath(), OperationID: c.GetOperationId()}
	op := g.Method + " " + g.Path
	if k, ok := b.keys[op]; ok {
		g.OperationKey, g.InRevision = k, true
	} else {
		g.OperationKey = a.keys[op]
	}
	return g
}

// sectionOf names the part of the definition a change outside any
// operation is in: "components/schemas", "security", "info", or the path
// of a change to a path as a whole.
func sectionOf(c checker.Change) string {
	if c.GetPath() != "" {
		return c.GetPath()
	}
	if cc, ok := c.(checker.ComponentChange); ok && cc.Component != "" {
		return "components/" + cc.Component
	}
	return c.GetSection()
}

func levelOf(l checker.Level) Level {
	switch l {
	case checker.ERR:
		return Breaking
	case checker.WARN:
		return Warning
	default:
		return Info
	}
}
