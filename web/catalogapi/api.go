package catalogapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// mimeJSON is what Backstage (express res.json) answers with.
const mimeJSON = "application/json; charset=utf-8"

// apiHandler produces a complete answer; cached wraps it with the response
// cache and writes it.
type apiHandler func(c *echo.Context) (*apiResponse, error)

// Register adds Backstage's catalog REST API to g, the /api/catalog group.
//
//	GET    /entities/by-query                        filter, fields, limit, orderField, cursor, fullTextFilterTerm
//	GET    /entities                                 filter, fields, order, offset, limit, after (the older list)
//	GET    /entities/by-name/:kind/:namespace/:name  one entity
//	GET    /entities/by-name/:kind/:namespace/:name/ancestry
//	GET    /entities/by-uid/:uid                     one entity
//	DELETE /entities/by-uid/:uid                     remove one entity (a write)
//	POST   /entities/by-refs                         {entityRefs, fields} → {items}
//	GET    /entity-facets                            facet, filter → {facets}
//	POST   /entities/by-query                        {query, limit, offset, orderBy, fullTextFilter, fields, totalItems} or {cursor, limit, fields}
//	POST   /entity-facets                            {facets, query} → {facets}
//	POST   /validate-entity                          {entity, location} → 200, or 400 {errors}
//
// The POST forms and by-refs take a filter predicate as query ($all, $any,
// $not, $exists, $in, $hasPrefix, $contains; catalog.ParsePredicate),
// ANDed with any filter parameters, evaluated in the store's SQL.
//
// and the location endpoints of registerLocationRoutes.
func (s *API) Register(g *echo.Group) {
	g = g.Group("", s.middleware...)
	g.GET("/entities/by-query", s.cached(s.queryEntities))
	g.GET("/entities", s.cached(s.listEntities))
	g.GET("/entities/by-name/:kind/:namespace/:name", s.cached(s.entityByName))
	g.GET("/entities/by-name/:kind/:namespace/:name/ancestry", s.cached(s.entityAncestry))
	g.GET("/entities/by-uid/:uid", s.cached(s.entityByUID))
	g.POST("/entities/by-refs", s.entitiesByRefs)
	g.GET("/entity-facets", s.cached(s.entityFacets))
	s.registerLocationRoutes(g)
	g.POST("/entities/by-query", s.queryEntitiesByPredicate)
	g.POST("/entity-facets", s.entityFacetsByPredicate)
	if s.Catalog != nil {
		g.DELETE("/entities/by-uid/:uid", s.removeEntityByUID)
		g.POST("/validate-entity", s.validateEntity)
	}
}

// cached serves GET answers from the response cache when the store has not
// changed since they were computed, and writes every answer with an
// explicit Content-Length.
func (s *API) cached(h apiHandler) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if s.cache == nil {
			return uncached(c, h)
		}
		gen, err := s.generation(c.Request().Context())
		if err != nil {
			// The database does not answer: asking it again for the
			// answer would double the wait.
			s.log.Error("catalog API: read the catalog's generation", "path", c.Request().URL.Path, "err", err)
			return errUnavailable.Wrap(err)
		}
		key := c.Request().URL.Path + "?" + c.QueryParams().Encode()
		keep := func(resp *apiResponse) func([]byte) {
			return func(gz []byte) { s.cache.keepGzip(key, resp, gz) }
		}
		if resp, ok := s.cache.get(key, gen); ok {
			return writeAPIResponse(c, resp, keep(resp))
		}
		// Concurrent misses of one key (right after a mutation) share one
		// store query; a waiter whose leader failed asks for itself, so one
		// client's cancelled request does not fail the others.
		resp, shared, err := s.cache.flight.do(key, gen, func() (*apiResponse, error) {
			resp, err := h(c)
			if err == nil {
				s.cache.put(key, gen, resp)
			}
			return resp, err
		})
		if err != nil && shared {
			resp, err = h(c)
		}
		if err != nil {
			return err
		}
		return writeAPIResponse(c, resp, keep(resp))
	}
}

// errUnavailable answers a request when the catalog's database does not.
var errUnavailable = echo.NewHTTPError(http.StatusServiceUnavailable, "The catalog's database does not answer; try again shortly")

// uncached answers with h, without the response cache.
func uncached(c *echo.Context, h apiHandler) error {
	resp, err := h(c)
	if err != nil {
		return err
	}
	return writeAPIResponse(c, resp, nil)
}

// generation keys the response cache: every replica's writes change it
// when several processes share the store (an outside test saw a replica
// answer from its cache for 4.5 s after another replica's write).
func (s *API) generation(ctx context.Context) (uint64, error) {
	return catalog.ReplicasGeneration(ctx, s.Store)
}

// queryEntities answers GET /entities/by-query.
func (s *API) queryEntities(c *echo.Context) (*apiResponse, error) {
	query, fields, err := parseQuery(c.QueryParams())
	if err != nil {
		return nil, err
	}
	return s.answerQuery(c, query, fields)
}

// answerQuery runs a by-query and writes its page: items projected on
// fields, totalItems and pageInfo.
func (s *API) answerQuery(c *echo.Context, query catalog.Query, fields []string) (*apiResponse, error) {
	countOnly := query.Limit == 0
	if countOnly {
		// limit=0 asks only for totalItems; the store reads 0 as "default".
		query.Limit = 1
	}
	page, err := s.Store.Query(c.Request().Context(), query)
	if err != nil {
		return nil, fmt.Errorf("query entities: %w", err)
	}
	if countOnly {
		page = catalog.Page{TotalItems: page.TotalItems}
	}
	// Whole entities are sized ahead; with fields the answer is a fraction
	// of them, and a buffer sized for the whole would be kept, mostly
	// empty, by the response cache.
	size := 96 + len(page.NextCursor) + len(page.PrevCursor)
	if len(fields) == 0 {
		for _, e := range page.Items {
			size += len(e.JSON) + 1
		}
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	buf.WriteString(`{"items":`)
	if err := writeEntityArray(buf, page.Items, fields); err != nil {
		return nil, err
	}
	buf.WriteString(`,"totalItems":`)
	buf.WriteString(strconv.Itoa(page.TotalItems))
	buf.WriteString(`,"pageInfo":{`)
	if page.NextCursor != "" {
		writeJSONField(buf, "nextCursor", page.NextCursor)
		if page.PrevCursor != "" {
			buf.WriteByte(',')
		}
	}
	if page.PrevCursor != "" {
		writeJSONField(buf, "prevCursor", page.PrevCursor)
	}
	buf.WriteString("}}")
	return &apiResponse{status: http.StatusOK, body: buf.Bytes()}, nil
}

// entityByName answers GET /entities/by-name/:kind/:namespace/:name.
func (s *API) entityByName(c *echo.Context) (*apiResponse, error) {
	kind, namespace, name := c.Param("kind"), c.Param("namespace"), c.Param("name")
	e, err := s.Store.ByRef(c.Request().Context(), catalog.Ref{Kind: kind, Namespace: namespace, Name: name})
	if catalog.ErrorCode(err) == catalog.ENOTFOUND {
		return nil, notFound("No entity named '%s' found, with kind '%s' in namespace '%s'", name, kind, namespace)
	}
	if err != nil {
		return nil, fmt.Errorf("entity by name %s:%s/%s: %w", kind, namespace, name, err)
	}
	return entityResponse(e.JSON), nil
}

// entityByUID answers GET /entities/by-uid/:uid.
func (s *API) entityByUID(c *echo.Context) (*apiResponse, error) {
	uid := c.Param("uid")
	e, err := s.Store.ByUID(c.Request().Context(), uid)
	if catalog.ErrorCode(err) == catalog.ENOTFOUND {
		return nil, notFound("No entity with uid %s", uid)
	}
	if err != nil {
		return nil, fmt.Errorf("entity by uid %s: %w", uid, err)
	}
	return entityResponse(e.JSON), nil
}

// entityResponse answers with one stored entity and an ETag of its bytes.
func entityResponse(body []byte) *apiResponse {
	h := fnv.New64a()
	h.Write(body)
	return &apiResponse{status: http.StatusOK, body: body, etag: `"` + strconv.FormatUint(h.Sum64(), 36) + `"`}
}

// byRefsRequest is the body of POST /entities/by-refs.
type byRefsRequest struct {
	EntityRefs []string        `json:"entityRefs"`
	Fields     []string        `json:"fields"`
	Query      json.RawMessage `json:"query"`
}

// entitiesByRefs answers POST /entities/by-refs: one item per requested ref,
// in order, null where no entity has that ref or the entity does not match
// the filter parameters. As in Backstage, a ref matches only when it is
// spelled exactly as the catalog keys entities: kind:namespace/name, all in
// lower case ("component:default/web"); "web", "component:web" or
// "Component:default/web" answer null.
func (s *API) entitiesByRefs(c *echo.Context) error {
	var req byRefsRequest
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 4<<20))
	if err := dec.Decode(&req); err != nil {
		return inputError("Malformed request body (did you remember to specify an application/json content type?), %v", err)
	}
	if req.EntityRefs == nil {
		return inputError("Malformed request body (did you remember to specify an application/json content type?), entityRefs is required")
	}
	fields, err := parseFields(append(c.QueryParams()["fields"], req.Fields...))
	if err != nil {
		return err
	}
	filter, p, err := s.filterAndPredicate(c, req.Query)
	if err != nil {
		return err
	}
	items, err := s.lookupRefs(c.Request().Context(), req.EntityRefs, filter, p)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(`{"items":`)
	if err := writeEntityArray(&buf, items, fields); err != nil {
		return err
	}
	buf.WriteByte('}')
	return writeAPIResponse(c, &apiResponse{status: http.StatusOK, body: buf.Bytes()}, nil)
}

// lookupRefs returns one item per raw ref, nil where the ref is not an
// exact entity key or no entity matching filter and p has it.
func (s *API) lookupRefs(ctx context.Context, raw []string, filter catalog.Filter, p *catalog.Predicate) ([]*catalog.StoredEntity, error) {
	valid := make([]bool, len(raw))
	var lookup []catalog.Ref
	for i, r := range raw {
		if ref, err := catalog.ParseRef(r, "", ""); err == nil && ref.Key() == r {
			valid[i] = true
			lookup = append(lookup, ref)
		}
	}
	var found []*catalog.StoredEntity
	var err error
	if p == nil {
		found, err = s.Store.ByRefs(ctx, lookup, filter)
	} else {
		found, err = s.Store.(catalog.PredicateMatcher).ByRefsMatching(ctx, lookup, filter, p)
	}
	if err != nil {
		return nil, fmt.Errorf("entities by refs: %w", err)
	}
	items := make([]*catalog.StoredEntity, len(raw))
	for i, j := 0, 0; i < len(raw); i++ {
		if valid[i] {
			items[i] = found[j]
			j++
		}
	}
	return items, nil
}

// facetsResponse is the body of GET /entity-facets.
type facetsResponse struct {
	Facets map[string][]catalog.FacetCount `json:"facets"`
}

// entityFacets answers GET /entity-facets, keyed by the facets as requested.
func (s *API) entityFacets(c *echo.Context) (*apiResponse, error) {
	q := c.QueryParams()
	facets, err := parseFacets(q)
	if err != nil {
		return nil, err
	}
	filter, err := parseFilter(q["filter"])
	if err != nil {
		return nil, err
	}
	counts, err := s.Store.Facets(c.Request().Context(), facets, filter)
	if err != nil {
		return nil, fmt.Errorf("entity facets: %w", err)
	}
	return facetsAnswer(facets, counts)
}

// facetsAnswer is the body of an entity-facets answer, keyed by the facets
// as requested.
func facetsAnswer(facets []string, counts map[string][]catalog.FacetCount) (*apiResponse, error) {
	out := facetsResponse{Facets: make(map[string][]catalog.FacetCount, len(facets))}
	for _, f := range facets {
		values := slices.Clone(counts[f])
		if values == nil {
			values = []catalog.FacetCount{}
		}
		// Backstage orders each facet's values by value, not by count.
		slices.SortStableFunc(values, func(a, b catalog.FacetCount) int { return strings.Compare(a.Value, b.Value) })
		out.Facets[f] = values
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode facets: %w", err)
	}
	return &apiResponse{status: http.StatusOK, body: body}, nil
}

// writeEntityArray writes a JSON array of the stored entities (null for nil
// items), projected on fields when given. Without fields the stored bytes
// are copied as they are, never decoded.
func writeEntityArray(buf *bytes.Buffer, items []*catalog.StoredEntity, fields []string) error {
	buf.WriteByte('[')
	for i, e := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		switch {
		case e == nil:
			buf.WriteString("null")
		case len(fields) == 0:
			buf.Write(e.JSON)
		default:
			p, err := projectJSON(e.JSON, fields)
			if err != nil {
				return fmt.Errorf("entity %s: %w", e.Ref, err)
			}
			buf.Write(p)
		}
	}
	buf.WriteByte(']')
	return nil
}

// writeJSONField writes "name":"value" with value JSON-escaped.
func writeJSONField(buf *bytes.Buffer, name, value string) {
	v, _ := json.Marshal(value)
	buf.WriteString(`"` + name + `":`)
	buf.Write(v)
}

// etagMatches implements the weak comparison of If-None-Match.
func etagMatches(header, etag string) bool {
	for _, part := range bytes.Split([]byte(header), []byte(",")) {
		t := string(bytes.TrimSpace(part))
		if t == "*" || t == etag || t == "W/"+etag {
			return true
		}
	}
	return false
}
