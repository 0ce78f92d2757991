package catalogapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// listAll is the page size that stands for "every entity" when GET
// /entities has no limit.
const listAll = 1 << 30

// listPage is the pagination of GET /entities: limit, offset and the after
// cursor that carries both. Without a limit every entity from Offset on is
// listed.
type listPage struct {
	HasLimit bool
	Limit    int
	Offset   int
}

// afterCursor is Backstage's `after` cursor of GET /entities: base64 JSON
// {limit, offset}, both optional integers.
type afterCursor struct {
	Limit  any `json:"limit"`
	Offset any `json:"offset"`
}

// listEntities answers the older GET /entities with a JSON array: filter,
// fields, order (order=asc:metadata.name, repeatable: later directives
// break ties, entities lacking a field come last), and offset, limit and
// after. When more entities follow a limited page, a Link header names the
// next page, with an after cursor in place of offset.
func (s *API) listEntities(c *echo.Context) (*apiResponse, error) {
	q := c.QueryParams()
	fields, err := parseFields(q["fields"])
	if err != nil {
		return nil, err
	}
	filter, err := parseFilter(q["filter"])
	if err != nil {
		return nil, err
	}
	order, err := parseListOrder(q["order"])
	if err != nil {
		return nil, err
	}
	pg, err := parseListPage(q)
	if err != nil {
		return nil, err
	}
	query := catalog.Query{Filter: filter, Order: order, Offset: pg.Offset, Limit: listAll, SkipTotal: true}
	if pg.HasLimit {
		query.Limit = pg.Limit + 1 // one more tells whether a next page exists
	}
	page, err := s.Store.Query(c.Request().Context(), query)
	if err != nil {
		return nil, fmt.Errorf("list entities: %w", err)
	}
	items := page.Items
	resp := &apiResponse{status: http.StatusOK}
	if pg.HasLimit && len(items) > pg.Limit {
		items = items[:pg.Limit]
		resp.link = nextPageLink(c.Request().URL, pg.Limit, pg.Offset+pg.Limit)
	}
	var buf bytes.Buffer
	if err := writeEntityArray(&buf, items, fields); err != nil {
		return nil, err
	}
	resp.body = buf.Bytes()
	return resp, nil
}

var listOrderPattern = regexp.MustCompile(`^(asc|desc):(.+)$`)

// parseListOrder parses GET /entities' order parameters, "asc:<field>" or
// "desc:<field>", as Backstage's parseEntityOrderParams does.
func parseListOrder(values []string) ([]catalog.Order, error) {
	var orders []catalog.Order
	for _, v := range values {
		m := listOrderPattern.FindStringSubmatch(v)
		if m == nil {
			return nil, inputError(`Invalid order parameter "%s", expected "<asc or desc>:<field name>"`, v)
		}
		orders = append(orders, catalog.Order{Field: strings.ToLower(m[2]), Desc: m[1] == "desc"})
	}
	return orders, nil
}

// parseListPage reads limit, offset and after with Backstage's checks; the
// after cursor's limit and offset win over the parameters.
func parseListPage(q url.Values) (listPage, error) {
	var pg listPage
	offset, _, err := parseNonNegativeInt(q, "offset")
	if err != nil {
		return pg, err
	}
	limit, hasLimit, err := parseNonNegativeInt(q, "limit")
	if err != nil {
		return pg, err
	}
	after, hasAfter := q["after"]
	pg = listPage{HasLimit: hasLimit, Limit: limit, Offset: offset}
	if hasLimit && limit == 0 {
		return pg, inputError("Invalid limit, must be greater than zero")
	}
	if !hasAfter {
		return pg, nil
	}
	if len(after) != 1 || after[0] == "" {
		return pg, inputError("Invalid after, must not be empty")
	}
	return applyAfter(pg, after[0])
}

func applyAfter(pg listPage, raw string) (listPage, error) {
	b, err := base64.StdEncoding.DecodeString(raw)
	var cur afterCursor
	if err == nil {
		err = json.Unmarshal(b, &cur)
	}
	if err != nil {
		return pg, inputError("Malformed after cursor, could not be parsed")
	}
	if cur.Limit != nil {
		n, ok := cursorInt(cur.Limit)
		if !ok {
			return pg, inputError("Malformed after cursor, limit was not an number")
		}
		pg.Limit, pg.HasLimit = n, true
	}
	if cur.Offset != nil {
		n, ok := cursorInt(cur.Offset)
		if !ok {
			return pg, inputError("Malformed after cursor, offset was not a number")
		}
		pg.Offset = n
	}
	return pg, nil
}

// cursorInt accepts what JavaScript's Number.isInteger does, within the
// range a page can have.
func cursorInt(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || f < 0 || f > listAll {
		return 0, false
	}
	return int(f), true
}

// nextPageLink is the Link header of a page that has a next one: the same
// request without offset, with an after cursor for the next page.
func nextPageLink(u *url.URL, limit, offset int) string {
	cur, _ := json.Marshal(map[string]int{"limit": limit, "offset": offset})
	q := u.Query()
	q.Del("offset")
	q.Set("after", base64.StdEncoding.EncodeToString(cur))
	return "<" + u.Path + "?" + q.Encode() + `>; rel="next"`
}
