package catalogapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// maxPredicateBody bounds the JSON bodies of the predicate endpoints; the
// predicate's own limits (catalog.MaxPredicateTerms) bound the SQL.
const maxPredicateBody = 1 << 20

// predicateQueryRequest is the body of POST /entities/by-query, as
// catalog-client's queryEntities sends it when it has a query: the first
// request, or a cursor with limit and fields.
type predicateQueryRequest struct {
	Query   json.RawMessage `json:"query"`
	Cursor  *string         `json:"cursor"`
	Limit   *int            `json:"limit"`
	Offset  *int            `json:"offset"`
	OrderBy []struct {
		Field string `json:"field"`
		Order string `json:"order"`
	} `json:"orderBy"`
	// OrderField is the query parameter's form ("field,asc"), which some
	// backend versions take in the body too.
	OrderField     []string `json:"orderField"`
	FullTextFilter *struct {
		Term   string   `json:"term"`
		Fields []string `json:"fields"`
	} `json:"fullTextFilter"`
	Fields     []string `json:"fields"`
	TotalItems string   `json:"totalItems"`
}

// queryEntitiesByPredicate answers POST /entities/by-query: GET by-query's
// paging, order, fields and totals over the entities matching the body's
// filter predicate and the filter parameters.
func (s *API) queryEntitiesByPredicate(c *echo.Context) error {
	var req predicateQueryRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	query, fields, err := s.predicateQuery(c, req)
	if err != nil {
		return err
	}
	resp, err := s.answerQuery(c, query, fields)
	if err != nil {
		return err
	}
	return writeAPIResponse(c, resp, nil)
}

func (s *API) predicateQuery(c *echo.Context, req predicateQueryRequest) (catalog.Query, []string, error) {
	fields, err := parseFields(append(c.QueryParams()["fields"], req.Fields...))
	if err != nil {
		return catalog.Query{}, nil, err
	}
	query := catalog.Query{Limit: defaultQueryLimit}
	if req.Limit != nil {
		if *req.Limit < 0 {
			return catalog.Query{}, nil, inputError("request/body/limit must be >= 0")
		}
		query.Limit = *req.Limit
	}
	if req.Cursor != nil {
		if *req.Cursor == "" {
			return catalog.Query{}, nil, inputError("Cursor cannot be empty")
		}
		// The cursor carries the predicate, filter, order and search of
		// the first request.
		query.Cursor = *req.Cursor
		return query, fields, nil
	}
	if req.Offset != nil {
		if *req.Offset < 0 {
			return catalog.Query{}, nil, inputError("request/body/offset must be >= 0")
		}
		query.Offset = *req.Offset
	}
	switch req.TotalItems {
	case "", "include":
	case "exclude":
		query.SkipTotal = true
	default:
		return catalog.Query{}, nil, inputError("request/body/totalItems must be equal to one of the allowed values: include, exclude")
	}
	if query.Filter, query.Predicate, err = s.filterAndPredicate(c, req.Query); err != nil {
		return catalog.Query{}, nil, err
	}
	order := req.OrderField
	for _, o := range req.OrderBy {
		order = append(order, o.Field+","+o.Order)
	}
	if query.Order, err = parseOrder(order); err != nil {
		return catalog.Query{}, nil, err
	}
	if ft := req.FullTextFilter; ft != nil {
		query.FullText = strings.TrimSpace(ft.Term)
		for _, f := range ft.Fields {
			query.FullTextFields = append(query.FullTextFields, strings.ToLower(f))
		}
	}
	return query, fields, nil
}

// filterAndPredicate parses the filter parameters and the body's query,
// which must both hold (Backstage ANDs them). A predicate needs a store
// that evaluates them.
func (s *API) filterAndPredicate(c *echo.Context, raw json.RawMessage) (catalog.Filter, *catalog.Predicate, error) {
	filter, err := parseFilter(c.QueryParams()["filter"])
	if err != nil {
		return nil, nil, err
	}
	p, err := catalog.ParsePredicate(raw)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := s.Store.(catalog.PredicateMatcher); p != nil && !ok {
		return nil, nil, errPredicates
	}
	return filter, p, nil
}

// facetsRequest is the body of POST /entity-facets.
type facetsRequest struct {
	Facets []string        `json:"facets"`
	Query  json.RawMessage `json:"query"`
}

// entityFacetsByPredicate answers POST /entity-facets: GET entity-facets
// among the entities matching the body's filter predicate.
func (s *API) entityFacetsByPredicate(c *echo.Context) error {
	var req facetsRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	var facets []string
	for _, f := range req.Facets {
		if f != "" {
			facets = append(facets, f)
		}
	}
	if len(facets) == 0 {
		return inputError("request/body must have required property 'facets'")
	}
	filter, p, err := s.filterAndPredicate(c, req.Query)
	if err != nil {
		return err
	}
	var counts map[string][]catalog.FacetCount
	if p == nil {
		counts, err = s.Store.Facets(c.Request().Context(), facets, filter)
	} else {
		counts, err = s.Store.(catalog.PredicateMatcher).FacetsMatching(c.Request().Context(), facets, filter, p)
	}
	if err != nil {
		return fmt.Errorf("entity facets: %w", err)
	}
	resp, err := facetsAnswer(facets, counts)
	if err != nil {
		return err
	}
	return writeAPIResponse(c, resp, nil)
}

// decodeBody decodes a JSON request body of at most maxPredicateBody
// bytes. Unknown fields are ignored, as newer clients may send more.
func decodeBody(c *echo.Context, v any) error {
	return decodeJSON(c, v, maxPredicateBody, false, "Malformed request body (did you remember to specify an application/json content type?), %v")
}
