package catalogapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
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

// locationPredicate compiles a filter predicate (@backstage/filter-predicates)
// over a location's fields id, type and target: a field equal to a value,
// {$exists}, {$in: [...]}, {$hasPrefix}, and $all, $any, $not of such.
func locationPredicate(raw json.RawMessage) (func(catalog.RegisteredLocation) bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return func(catalog.RegisteredLocation) bool { return true }, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, catalog.Errorf(catalog.EINVALID, "request/body/query must be an object")
	}
	var parts []func(catalog.RegisteredLocation) bool
	for key, val := range obj {
		p, err := predicatePart(key, val)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return func(l catalog.RegisteredLocation) bool {
		for _, p := range parts {
			if !p(l) {
				return false
			}
		}
		return true
	}, nil
}

func predicatePart(key string, val json.RawMessage) (func(catalog.RegisteredLocation) bool, error) {
	switch key {
	case "$all", "$any":
		var list []json.RawMessage
		if err := json.Unmarshal(val, &list); err != nil {
			return nil, catalog.Errorf(catalog.EINVALID, "request/body/query/%s must be a list", key)
		}
		var ps []func(catalog.RegisteredLocation) bool
		for _, item := range list {
			p, err := locationPredicate(item)
			if err != nil {
				return nil, err
			}
			ps = append(ps, p)
		}
		all := key == "$all"
		return func(l catalog.RegisteredLocation) bool {
			for _, p := range ps {
				if ok := p(l); ok != all {
					return ok // $all: one failed; $any: one held
				}
			}
			return all
		}, nil
	case "$not":
		p, err := locationPredicate(val)
		if err != nil {
			return nil, err
		}
		return func(l catalog.RegisteredLocation) bool { return !p(l) }, nil
	}
	field, ok := map[string]func(catalog.RegisteredLocation) string{
		"id":     func(l catalog.RegisteredLocation) string { return l.ID },
		"type":   func(l catalog.RegisteredLocation) string { return l.Type },
		"target": func(l catalog.RegisteredLocation) string { return l.Target },
	}[key]
	if !ok {
		return nil, catalog.Errorf(catalog.EINVALID, "request/body/query: unknown location field %q (use id, type or target)", key)
	}
	return fieldMatcher(key, field, val)
}

// fieldMatcher compiles the value side of one field of a predicate.
func fieldMatcher(key string, field func(catalog.RegisteredLocation) string, val json.RawMessage) (func(catalog.RegisteredLocation) bool, error) {
	var plain string
	if json.Unmarshal(val, &plain) == nil {
		return func(l catalog.RegisteredLocation) bool { return field(l) == plain }, nil
	}
	var op struct {
		Exists    *bool    `json:"$exists"`
		In        []string `json:"$in"`
		HasPrefix *string  `json:"$hasPrefix"`
	}
	dec := json.NewDecoder(strings.NewReader(string(val)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&op); err != nil {
		return nil, catalog.Errorf(catalog.EINVALID, "request/body/query/%s: %v", key, fmt.Errorf("unsupported value (use a string, $exists, $in or $hasPrefix): %w", err))
	}
	switch {
	case op.Exists != nil:
		want := *op.Exists
		return func(l catalog.RegisteredLocation) bool { return (field(l) != "") == want }, nil
	case op.In != nil:
		return func(l catalog.RegisteredLocation) bool { return slices.Contains(op.In, field(l)) }, nil
	case op.HasPrefix != nil:
		prefix := *op.HasPrefix
		return func(l catalog.RegisteredLocation) bool { return strings.HasPrefix(field(l), prefix) }, nil
	}
	return nil, catalog.Errorf(catalog.EINVALID, "request/body/query/%s: empty operator", key)
}
