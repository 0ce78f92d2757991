package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/porticohq/portico/catalog"
)

// DefaultLimit is the page size of a Query without a limit, as Backstage's
// by-query uses.
const DefaultLimit = 20

// cursor is what Page.NextCursor and PrevCursor carry, base64 JSON, so that
// a cursor alone continues the query it came from. A filter predicate
// travels as "query", the key Backstage's catalog-client looks for (after
// atob, so such cursors use the standard alphabet) to send the next page
// to POST by-query.
type cursor struct {
	Filter     catalog.Filter  `json:"f,omitempty"`
	Query      json.RawMessage `json:"query,omitempty"`
	Order      []catalog.Order `json:"o,omitempty"`
	Text       string          `json:"t,omitempty"`
	TextFields []string        `json:"tf,omitempty"`
	Values     []*string       `json:"v"`
	Key        string          `json:"k"`
	Before     bool            `json:"b,omitempty"`
	SkipTotal  bool            `json:"nt,omitempty"`
}

func (c *cursor) encode() string {
	b, _ := json.Marshal(c)
	if len(c.Query) > 0 {
		return base64.StdEncoding.EncodeToString(b)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// cursorAlphabet reads both base64 alphabets, padded or not.
var cursorAlphabet = strings.NewReplacer("+", "-", "/", "_", "=", "")

func decodeCursor(s string) (*cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursorAlphabet.Replace(s))
	if err != nil {
		return nil, catalog.Errorf(catalog.EINVALID, "malformed cursor: %v", err)
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, catalog.Errorf(catalog.EINVALID, "malformed cursor: %v", err)
	}
	if len(c.Values) != len(c.Order) || c.Key == "" {
		return nil, catalog.Errorf(catalog.EINVALID, "malformed cursor: values do not match the order")
	}
	return &c, nil
}

// sortField is one ORDER BY term: a column of entities or the smallest
// search value of a dotted path (null when the entity lacks it, sorted last).
type sortField struct {
	expr     string
	arg      any
	nullable bool
	desc     bool
}

func sortFieldFor(o catalog.Order) sortField {
	key := strings.ToLower(strings.TrimSpace(o.Field))
	if col, ok := entityColumn[key]; ok {
		return sortField{expr: col, desc: o.Desc}
	}
	return sortField{
		expr:     "(SELECT MIN(s.value) FROM search s WHERE s.entity_id = e.id AND s.key = ?)",
		arg:      key,
		nullable: true,
		desc:     o.Desc,
	}
}

// MaxOrderFields bounds a query's order fields.
const MaxOrderFields = 8

// Query answers by-query: the ids of one page are selected with ORDER BY and
// LIMIT over indexed columns first, then the bodies of those ids are read.
// Every page reads its count, its ids and their bodies in one snapshot, so
// that a mutation committing in between cannot make totalItems disagree
// with the items. (A cached total
// is its generation's, see genCache; a window count is one statement with
// the page.)
func (s *Store) Query(ctx context.Context, q catalog.Query) (catalog.Page, error) {
	if len(q.Order) > MaxOrderFields {
		// Each field is a sort key and, for any field not a column, a
		// subquery per match: 300 took PostgreSQL past its timeout.
		return catalog.Page{}, catalog.Errorf(catalog.EINVALID, "query: at most %d order fields, got %d", MaxOrderFields, len(q.Order))
	}
	if q.Predicate != nil && len(q.Predicate.JSON()) == 0 {
		// The cursor carries the predicate as JSON: one built in code
		// would drop out of the next page.
		return catalog.Page{}, catalog.Errorf(catalog.EINVALID, "query: a predicate must come from catalog.ParsePredicate")
	}
	c := &cursor{Filter: q.Filter, Query: q.Predicate.JSON(), Order: q.Order, Text: q.FullText, TextFields: q.FullTextFields, SkipTotal: q.SkipTotal}
	pred := q.Predicate
	var at *cursor
	if q.Cursor != "" {
		var err error
		if at, err = decodeCursor(q.Cursor); err != nil {
			return catalog.Page{}, err
		}
		c = &cursor{Filter: at.Filter, Query: at.Query, Order: at.Order, Text: at.Text, TextFields: at.TextFields, SkipTotal: at.SkipTotal}
		if pred, err = catalog.ParsePredicate(at.Query); err != nil {
			return catalog.Page{}, err
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	w := &whereBuilder{dl: s.dialect}
	driven, err := s.planFilter(ctx, w, c.Filter)
	if err != nil {
		return catalog.Page{}, fmt.Errorf("query: %w", err)
	}
	w.fullText(c.Text, c.TextFields)
	w.predicate(pred)
	fields := make([]sortField, len(c.Order))
	for i, o := range c.Order {
		fields[i] = sortFieldFor(o)
	}
	w.stayNarrow(c.Text, pred, fields)
	// A default-ordered page of a walkable filter is read in ref-key
	// order from the search index, stopping after the page (plan.go).
	wk := w.walk

	// The count's query, cache key and generation are taken once, before
	// any query: a total counted while a write commits is kept under the
	// generation it was counted in. (On PostgreSQL the generation is the
	// read snapshot's own, snapshotGeneration.)
	var cnt countQuery
	if wk != nil {
		cnt = s.newCountQuery(wk.count(s.dialect))
	} else {
		cnt = s.countOf(w)
	}
	// The count, the page's ids and their bodies are one snapshot, so that
	// a write committing between them cannot make the total disagree with
	// the items, nor return an entity whose new body no longer matches
	// (an outside test saw both). It costs a transaction, ~0.15 ms a page
	// on SQLite.
	var end func()
	if ctx, end, err = s.readSnapshot(ctx); err != nil {
		return catalog.Page{}, fmt.Errorf("query: %w", err)
	}
	defer end()
	total, counted := 0, c.SkipTotal
	if !counted {
		if err := s.snapshotGeneration(ctx, &cnt); err != nil {
			return catalog.Page{}, fmt.Errorf("query: %w", err)
		}
		total, counted = s.counts.get(cnt.gen, cnt.key, s.now(), cnt.ttl)
	}
	// A driven first page reads every match to sort them anyway: it counts
	// them in the same pass (a window count) instead of a second query. A
	// walk reads only the page, and counts from the index apart.
	withTotal := !counted && driven && at == nil && wk == nil
	if !counted && !withTotal {
		if wk != nil {
			total, err = s.walkCount(ctx, wk, cnt)
		} else {
			total, err = s.count(ctx, cnt)
		}
		if err != nil {
			return catalog.Page{}, err
		}
	}
	if s.betweenCountAndPage != nil {
		s.betweenCountAndPage()
	}
	before := at != nil && at.Before
	offset := 0
	if at == nil && q.Offset > 0 {
		offset = q.Offset
	}
	var hits []hit
	var n int
	if wk != nil {
		hits, err = s.walkIDs(ctx, wk, at, before, limit+1, offset)
	} else {
		hits, n, err = s.pageIDs(ctx, w, fields, at, before, limit+1, offset, withTotal)
	}
	if err != nil {
		return catalog.Page{}, err
	}
	if withTotal {
		// No row carries the count when the offset passed every match.
		if len(hits) > 0 || offset == 0 {
			total = n
			s.counts.put(cnt.gen, cnt.key, n, s.now())
		} else if total, err = s.count(ctx, cnt); err != nil {
			return catalog.Page{}, err
		}
	}
	more := len(hits) > limit
	if more {
		hits = hits[:limit]
	}
	if before {
		slices.Reverse(hits)
	}
	ids := make([]any, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	items, err := s.byIDs(ctx, ids, q.HeadersOnly)
	if err != nil {
		return catalog.Page{}, fmt.Errorf("query: %w", err)
	}
	page := catalog.Page{Items: items, TotalItems: total}
	if len(hits) == 0 {
		return page, nil
	}
	first, last := hits[0], hits[len(hits)-1]
	if (!before && more) || (before && at != nil) {
		page.NextCursor = c.at(last, false).encode()
	}
	if (before && more) || (!before && at != nil) {
		page.PrevCursor = c.at(first, true).encode()
	}
	return page, nil
}

// at returns the cursor that continues after (or before) hit.
func (c *cursor) at(h hit, before bool) *cursor {
	n := *c
	n.Values, n.Key, n.Before = h.values, h.key, before
	return &n
}

// countQuery is a query counting a filter's matches, its cache key, and
// the store's generation when it was built.
type countQuery struct {
	sql, key string
	args     []any
	gen      uint64
	ttl      time.Duration // how long a cached count may be reused, 0: for its generation
}

// countOf is the count query of w, taken before w's queries run.
func (s *Store) countOf(w *whereBuilder) countQuery {
	return s.newCountQuery(s.dialect.rebind("SELECT count(*)"+w.from()+w.clause()), w.args)
}

// newCountQuery is the count query q with args (a filter's or a walk's),
// keyed under the store's generation now.
func (s *Store) newCountQuery(q string, args []any) countQuery {
	return countQuery{sql: q, args: args, key: cacheKey(q, args), gen: s.Generation(), ttl: s.cacheTTL()}
}

// snapshotGeneration keys cq, on PostgreSQL, by the catalog's shared
// generation as the read snapshot in ctx sees it (migration 006: every
// replica's writes bump it in their transaction), so that a count is
// reused until any replica writes and never across a write. SQLite keeps
// the process's own generation, taken before the snapshot.
func (s *Store) snapshotGeneration(ctx context.Context, cq *countQuery) error {
	if s.dialect.name() != Postgres {
		return nil
	}
	gen, err := s.sharedGeneration(ctx)
	if err != nil {
		return err
	}
	cq.gen, cq.ttl = gen, 0
	return nil
}

// sharedGeneration reads PostgreSQL's catalog_generation row, in ctx's
// snapshot when it has one.
func (s *Store) sharedGeneration(ctx context.Context) (uint64, error) {
	rows, err := s.query(ctx, "SELECT generation FROM catalog_generation WHERE id = 1")
	if err != nil {
		return 0, fmt.Errorf("read the catalog's generation: %w", err)
	}
	defer rows.Close()
	var gen int64
	for rows.Next() {
		if err := rows.Scan(&gen); err != nil {
			return 0, fmt.Errorf("read the catalog's generation: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read the catalog's generation: %w", err)
	}
	return uint64(gen), nil
}

// ReplicasGeneration changes whenever a write to the catalog's entities
// commits in any process sharing the database: on PostgreSQL it is the
// generation row every replica's writes bump in their own transaction
// (migration 006), this process's included, so a request that reads it
// sees every write committed before; on SQLite, which only this process
// writes, it is Generation. Caches of whole answers (the catalog API's,
// the API pages', facet counts) key by it, so that no replica serves an
// answer another replica's write has made stale.
func (s *Store) ReplicasGeneration(ctx context.Context) (uint64, error) {
	if s.dialect.name() != Postgres {
		return s.Generation(), nil
	}
	return s.sharedGeneration(ctx)
}

// walkIDs selects one page of a walk.
func (s *Store) walkIDs(ctx context.Context, wk *walk, at *cursor, before bool, limit, offset int) ([]hit, error) {
	key := ""
	if at != nil {
		key = at.Key
	}
	q, args := wk.page(s.dialect, key, before, limit, offset)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query entities: %w", err)
	}
	defer rows.Close()
	var hits []hit
	for rows.Next() {
		h := hit{values: []*string{}}
		if err := rows.Scan(&h.id, &h.key); err != nil {
			return nil, fmt.Errorf("query entities: %w", err)
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}

// cacheKey keys a cached answer by its query and arguments, hashed: a
// filter predicate can make both hundreds of kilobytes long.
func cacheKey(q string, args []any) string {
	sum := sha256.Sum256([]byte(q + "\x00" + fmt.Sprintf("%#v", args)))
	return string(sum[:])
}

// count is w's count, from the cache or counted (and cached under the
// generation cq was taken in).
func (s *Store) count(ctx context.Context, cq countQuery) (int, error) {
	if n, ok := s.counts.get(cq.gen, cq.key, s.now(), cq.ttl); ok {
		return n, nil
	}
	var n int
	rows, err := s.query(ctx, cq.sql, cq.args...)
	if err != nil {
		return 0, fmt.Errorf("count entities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, fmt.Errorf("count entities: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("count entities: %w", err)
	}
	s.counts.put(cq.gen, cq.key, n, s.now())
	return n, nil
}

// sharedCacheTTL is how long an answer kept under this process's
// generation (a planner's estimate) is reused on PostgreSQL, where other
// replicas write without that generation changing; this process's own
// writes still invalidate at once. (Totals and facet counts are kept
// under the database's shared generation instead: snapshotGeneration,
// ReplicasGeneration.)
const sharedCacheTTL = 5 * time.Second

// cacheTTL is how long a cached count may be reused under the process's
// generation: until the next write on SQLite (0, no other process
// writes), sharedCacheTTL on PostgreSQL.
func (s *Store) cacheTTL() time.Duration {
	if s.dialect.name() == SQLite {
		return 0
	}
	return sharedCacheTTL
}

// genCache keeps answers computed over the whole entities table (a
// query's TotalItems, facet counts) keyed by the query, until the store's
// write generation changes or, with a ttl, the entry is older than ttl.
// Counting 100,000 entities takes the /apis page seconds; paging through a
// result or opening the page again reuses the count.
type genCache[V any] struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]genEntry[V]
	// With size set, the entries' sizes sum to at most budget: a put
	// past it starts over, and a value larger than budget is not kept
	// (idSets).
	size   func(V) int
	budget int
	used   int
}

type genEntry[V any] struct {
	v  V
	at time.Time
}

// genCacheSize bounds the entries of one generation.
const genCacheSize = 512

func (c *genCache[V]) get(gen uint64, key string, now time.Time, ttl time.Duration) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	if c.gen != gen {
		return zero, false
	}
	e, ok := c.m[key]
	if !ok || ttl > 0 && now.Sub(e.at) >= ttl {
		return zero, false
	}
	return e.v, true
}

// reset forgets every entry (benchmarks measure uncached queries).
func (c *genCache[V]) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.used = nil, 0
}

// put keeps v for key at generation gen; a put of an older generation than
// the cache's (a query that raced a write) is dropped.
func (c *genCache[V]) put(gen uint64, key string, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return
	}
	n := 0
	if c.size != nil {
		if n = c.size(v); n > c.budget {
			return
		}
		if old, ok := c.m[key]; ok && c.gen == gen {
			c.used -= c.size(old.v)
		}
	}
	if c.gen != gen || c.m == nil || len(c.m) >= genCacheSize || c.used+n > c.budget {
		c.gen, c.m, c.used = gen, make(map[string]genEntry[V]), 0
	}
	c.m[key] = genEntry[V]{v: v, at: now}
	c.used += n
}

// hit is one selected id with its sort values, for cursors.
type hit struct {
	id     int64
	key    string
	values []*string
}

// pageIDs selects one page; withTotal also counts every match (the
// returned int), which needs at to be nil.
func (s *Store) pageIDs(ctx context.Context, w *whereBuilder, fields []sortField, at *cursor, before bool, limit, offset int, withTotal bool) ([]hit, int, error) {
	q, args := pageQuery(w, fields, at, before, limit, offset, withTotal)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("query entities: %w", err)
	}
	defer rows.Close()
	var hits []hit
	var total int
	dest := make([]any, 2+len(fields), 3+len(fields))
	if withTotal {
		dest = append(dest, &total)
	}
	vals := make([]sql.NullString, len(fields))
	for rows.Next() {
		var h hit
		dest[0], dest[1] = &h.id, &h.key
		for i := range vals {
			dest[2+i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, fmt.Errorf("query entities: %w", err)
		}
		h.values = make([]*string, len(fields))
		for i, v := range vals {
			if v.Valid {
				str := v.String
				h.values[i] = &str
			}
		}
		hits = append(hits, h)
	}
	return hits, total, rows.Err()
}

// pageQuery selects the ids, ref keys and sort values of one page and,
// withTotal, the number of matches on every row.
func pageQuery(w *whereBuilder, fields []sortField, at *cursor, before bool, limit, offset int, withTotal bool) (string, []any) {
	var args []any
	var inner strings.Builder
	inner.WriteString("SELECT e.id AS id, e.ref_key AS rk")
	for i, f := range fields {
		inner.WriteString(", " + f.expr + " AS s" + strconv.Itoa(i))
		if f.arg != nil {
			args = append(args, f.arg)
		}
	}
	inner.WriteString(w.from() + w.clause())
	args = append(args, w.args...)

	var q strings.Builder
	q.WriteString("SELECT id, rk")
	for i := range fields {
		q.WriteString(", s" + strconv.Itoa(i))
	}
	if withTotal {
		q.WriteString(", count(*) OVER ()")
	}
	q.WriteString(" FROM (" + inner.String() + ") t")
	if at != nil {
		cond, cargs := keyset(fields, at.Values, at.Key, before)
		q.WriteString(" WHERE " + cond)
		args = append(args, cargs...)
	}
	q.WriteString(" ORDER BY " + orderBy(fields, before) + " LIMIT ?")
	args = append(args, limit)
	if offset > 0 {
		q.WriteString(" OFFSET ?")
		args = append(args, offset)
	}
	return q.String(), args
}

func orderBy(fields []sortField, before bool) string {
	dir := func(desc bool) string {
		if desc != before {
			return " DESC"
		}
		return " ASC"
	}
	var parts []string
	for i, f := range fields {
		col := "t.s" + strconv.Itoa(i)
		if f.nullable {
			// Entities lacking the field sort last in either direction.
			parts = append(parts, "("+col+" IS NULL)"+dir(false))
		}
		parts = append(parts, col+dir(f.desc))
	}
	return strings.Join(append(parts, "t.rk"+dir(false)), ", ")
}

// keyset is the condition "strictly after (or before) the row with these
// sort values and ref key" in the order orderBy gives.
func keyset(fields []sortField, vals []*string, key string, before bool) (string, []any) {
	var disj, eq []string
	var args, eqArgs []any
	for i, f := range fields {
		col := "t.s" + strconv.Itoa(i)
		v := vals[i]
		var strict string
		var sargs []any
		switch {
		case v == nil && before:
			strict = col + " IS NOT NULL"
		case v != nil:
			op := "<"
			if f.desc == before {
				op = ">"
			}
			strict, sargs = col+" "+op+" ?", []any{*v}
			if !before && f.nullable {
				strict = "(" + strict + " OR " + col + " IS NULL)"
			}
		}
		if strict != "" {
			disj = append(disj, "("+strings.Join(append(slices.Clone(eq), strict), " AND ")+")")
			args = append(append(args, eqArgs...), sargs...)
		}
		if v == nil {
			eq = append(eq, col+" IS NULL")
		} else {
			eq = append(eq, col+" = ?")
			eqArgs = append(eqArgs, *v)
		}
	}
	op := ">"
	if before {
		op = "<"
	}
	disj = append(disj, "("+strings.Join(append(eq, "t.rk "+op+" ?"), " AND ")+")")
	args = append(append(args, eqArgs...), key)
	return "(" + strings.Join(disj, " OR ") + ")", args
}
