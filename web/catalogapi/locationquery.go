package catalogapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// Limits of POST /locations/by-query.
const (
	defaultLocationLimit = 100
	maxLocationLimit     = 1000
)

// locationQuery is POST /locations/by-query's body: the first request sets
// limit and query, later ones send only the cursor of the previous answer.
type locationQuery struct {
	Limit  *int            `json:"limit,omitempty"`
	Query  json.RawMessage `json:"query,omitempty"`
	Cursor string          `json:"cursor,omitempty"`
	// AfterID is what the cursor carries: the id the next page starts after.
	AfterID string `json:"afterId,omitempty"`
}

type locationPage struct {
	Items      []catalog.RegisteredLocation `json:"items"`
	TotalItems int                          `json:"totalItems"`
	PageInfo   struct {
		NextCursor string `json:"nextCursor,omitempty"`
	} `json:"pageInfo"`
}

// queryLocations answers POST /locations/by-query: the locations (configured
// and registered) that match query, ordered by id, a page at a time, with an
// opaque cursor that carries the query on.
func (s *API) queryLocations(c *echo.Context) error {
	var in locationQuery
	if err := decodeStrict(c, &in); err != nil {
		return err
	}
	if in.Cursor != "" {
		cur, err := decodeLocationCursor(in.Cursor)
		if err != nil {
			return err
		}
		in = cur
	}
	limit := defaultLocationLimit
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > maxLocationLimit {
			return catalog.Errorf(catalog.EINVALID, "request/body/limit must be between 1 and %d", maxLocationLimit)
		}
		limit = *in.Limit
	}
	var all []catalog.RegisteredLocation
	locs := s.locations()
	if locs != nil {
		var err error
		if all, err = locs.List(c.Request().Context()); err != nil {
			return err
		}
	}
	match, err := locationPredicate(in.Query)
	if err != nil {
		return err
	}
	all = slices.DeleteFunc(all, func(l catalog.RegisteredLocation) bool { return !match(l) })
	slices.SortFunc(all, func(a, b catalog.RegisteredLocation) int { return strings.Compare(a.ID, b.ID) })
	var out locationPage
	out.TotalItems = len(all)
	out.Items = []catalog.RegisteredLocation{}
	for _, l := range all {
		if in.AfterID != "" && l.ID <= in.AfterID {
			continue
		}
		if len(out.Items) == limit {
			next := locationQuery{Limit: &limit, Query: in.Query, AfterID: out.Items[len(out.Items)-1].ID}
			b, _ := json.Marshal(next)
			out.PageInfo.NextCursor = base64.RawURLEncoding.EncodeToString(b)
			break
		}
		out.Items = append(out.Items, l)
	}
	return c.JSON(http.StatusOK, out)
}

func decodeLocationCursor(s string) (locationQuery, error) {
	var q locationQuery
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &q) != nil || q.Cursor != "" {
		return q, catalog.Errorf(catalog.EINVALID, "Malformed cursor: could not be parsed")
	}
	return q, nil
}

// locationPredicate compiles a filter predicate (catalog.ParsePredicate)
// over a location's fields id, type and target, compared as written.
func locationPredicate(raw json.RawMessage) (func(catalog.RegisteredLocation) bool, error) {
	p, err := catalog.ParsePredicate(raw)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return func(catalog.RegisteredLocation) bool { return true }, nil
	}
	return compileLocationPredicate(p)
}

func compileLocationPredicate(p *catalog.Predicate) (func(catalog.RegisteredLocation) bool, error) {
	args := make([]func(catalog.RegisteredLocation) bool, 0, max(len(p.Args), len(p.Fields)))
	for _, a := range p.Args {
		f, err := compileLocationPredicate(a)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
	}
	for _, m := range p.Fields {
		f, err := locationField(m)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
	}
	switch p.Op {
	case catalog.PredicateNot:
		return func(l catalog.RegisteredLocation) bool { return !args[0](l) }, nil
	case catalog.PredicateAny:
		return func(l catalog.RegisteredLocation) bool {
			return slices.ContainsFunc(args, func(f func(catalog.RegisteredLocation) bool) bool { return f(l) })
		}, nil
	}
	return func(l catalog.RegisteredLocation) bool {
		for _, f := range args {
			if !f(l) {
				return false
			}
		}
		return true
	}, nil
}

// locationField compiles one field test of a location predicate.
func locationField(m catalog.FieldMatch) (func(catalog.RegisteredLocation) bool, error) {
	field, ok := map[string]func(catalog.RegisteredLocation) string{
		"id":     func(l catalog.RegisteredLocation) string { return l.ID },
		"type":   func(l catalog.RegisteredLocation) string { return l.Type },
		"target": func(l catalog.RegisteredLocation) string { return l.Target },
	}[m.Key]
	if !ok {
		return nil, catalog.Errorf(catalog.EINVALID, "request/body/query: unknown location field %q (use id, type or target)", m.Key)
	}
	switch m.Op {
	case catalog.MatchExists:
		return func(l catalog.RegisteredLocation) bool { return (field(l) != "") == m.Exists }, nil
	case catalog.MatchPrefix:
		return func(l catalog.RegisteredLocation) bool { return strings.HasPrefix(field(l), m.Prefix) }, nil
	}
	return func(l catalog.RegisteredLocation) bool { return slices.Contains(m.Values, field(l)) }, nil
}
