package catalogapi

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// defaultQueryLimit is Backstage's page size for by-query without a limit.
const defaultQueryLimit = 200

// parseFilter parses Backstage's filter parameters: each value is one set of
// comma-separated conditions (ANDed), the sets are ORed. A condition is
// `key=value` or `key` (the key exists); the same key twice in a set means
// any of its values. Keys and values are compared case-insensitively, so
// both are lower-cased here.
func parseFilter(values []string) (catalog.Filter, error) {
	var filter catalog.Filter
	for _, v := range values {
		set, err := parseFilterSet(v)
		if err != nil {
			return nil, err
		}
		if len(set) > 0 {
			filter = append(filter, set)
		}
	}
	return filter, nil
}

func parseFilterSet(s string) (catalog.FilterSet, error) {
	var set catalog.FilterSet
	index := map[string]int{}
	for _, statement := range strings.Split(s, ",") {
		statement = strings.TrimSpace(statement)
		if statement == "" {
			continue
		}
		key, value, hasValue := strings.Cut(statement, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if key == "" {
			return nil, inputError("Invalid filter, '%s' is not a valid statement (expected a string on the form a=b or a= or a)", statement)
		}
		i, seen := index[key]
		if !seen {
			i = len(set)
			index[key] = i
			set = append(set, catalog.Condition{Key: key})
		}
		if hasValue {
			set[i].Values = append(set[i].Values, strings.ToLower(strings.TrimSpace(value)))
		}
	}
	return set, nil
}

// parseFields parses the `fields` projection: comma-separated dotted paths,
// the parameter may repeat. Nil means the whole entity.
func parseFields(values []string) ([]string, error) {
	var fields []string
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				fields = append(fields, f)
			}
		}
	}
	for _, f := range fields {
		if strings.Contains(f, "[") {
			return nil, inputError("invalid fields, array type fields are not supported")
		}
	}
	return fields, nil
}

// parseNonNegativeInt parses an integer query parameter; ok is false when it
// is absent. Messages follow Backstage's request validation.
func parseNonNegativeInt(q url.Values, name string) (n int, ok bool, err error) {
	raw, present := q[name]
	if !present || len(raw) == 0 {
		return 0, false, nil
	}
	if len(raw) > 1 {
		return 0, false, inputError("request/query/%s must be integer", name)
	}
	n, err = strconv.Atoi(strings.TrimSpace(raw[0]))
	if err != nil {
		return 0, false, inputError("request/query/%s must be integer", name)
	}
	if n < 0 {
		return 0, false, inputError("request/query/%s must be >= 0", name)
	}
	return n, true, nil
}

// parseOrder parses orderField parameters: `field` or `field,asc|desc`.
func parseOrder(values []string) ([]catalog.Order, error) {
	var orders []catalog.Order
	for _, v := range values {
		field, dir, hasDir := strings.Cut(v, ",")
		field = strings.ToLower(strings.TrimSpace(field))
		if hasDir && dir != "asc" && dir != "desc" {
			return nil, inputError("Invalid order field order, must be asc or desc")
		}
		if field == "" {
			return nil, inputError("Invalid order field, the field name is empty")
		}
		orders = append(orders, catalog.Order{Field: field, Desc: dir == "desc"})
	}
	return orders, nil
}

// parseQuery turns by-query parameters into a catalog.Query and the fields
// projection.
func parseQuery(q url.Values) (catalog.Query, []string, error) {
	fields, err := parseFields(q["fields"])
	if err != nil {
		return catalog.Query{}, nil, err
	}
	limit, ok, err := parseNonNegativeInt(q, "limit")
	if err != nil {
		return catalog.Query{}, nil, err
	}
	if !ok {
		limit = defaultQueryLimit
	}
	offset, _, err := parseNonNegativeInt(q, "offset")
	if err != nil {
		return catalog.Query{}, nil, err
	}
	query := catalog.Query{Limit: limit, Offset: offset, Cursor: q.Get("cursor")}
	switch q.Get("totalItems") {
	case "", "include":
	case "exclude":
		query.SkipTotal = true
	default:
		return catalog.Query{}, nil, inputError("request/query/totalItems must be equal to one of the allowed values: include, exclude")
	}
	if query.Cursor != "" {
		// The cursor carries the filter, order and search of the first
		// request; Backstage ignores those parameters on later pages.
		return query, fields, nil
	}
	if query.Filter, err = parseFilter(q["filter"]); err != nil {
		return catalog.Query{}, nil, err
	}
	if query.Order, err = parseOrder(q["orderField"]); err != nil {
		return catalog.Query{}, nil, err
	}
	query.FullText = strings.TrimSpace(q.Get("fullTextFilterTerm"))
	ftFields, _ := parseFields(q["fullTextFilterFields"])
	for _, f := range ftFields {
		query.FullTextFields = append(query.FullTextFields, strings.ToLower(f))
	}
	return query, fields, nil
}

// parseFacets returns the facet parameters; at least one is required.
func parseFacets(q url.Values) ([]string, error) {
	var facets []string
	for _, f := range q["facet"] {
		if f != "" {
			facets = append(facets, f)
		}
	}
	if len(facets) == 0 {
		return nil, inputError("Missing facet parameter")
	}
	return facets, nil
}
