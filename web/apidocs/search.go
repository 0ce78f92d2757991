package apidocs

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
)

// opIndex is the operation search index: every operation of every OpenAPI
// entity, in memory. It is rebuilt from the store when the store's
// generation changes (or after maxIndexAge, for changes committed by other
// replicas). A rebuild reuses each entity's operations while its stored
// version is unchanged, so only definitions that changed are decoded again
// (a cold build of 10,000 APIs takes seconds; a rebuild after one edit reads
// the rows but parses one definition). This keeps the feature free of tables
// and hooks in the catalog.
type opIndex struct {
	h       *Handler
	mu      sync.Mutex
	gen     uint64
	built   time.Time
	entries []opEntry
	byRef   map[string]indexedAPI // ref key → the operations of one version
}

// indexedAPI is one entity version's operations in the index.
type indexedAPI struct {
	version string
	entries []opEntry
}

type opEntry struct {
	text string // lower-cased haystack
	hit  av.OperationHit
}

const (
	maxIndexAge   = 5 * time.Minute
	maxSearchHits = 50
)

func newOpIndex(h *Handler) *opIndex { return &opIndex{h: h} }

// Search returns the operations matching every word of q.
func (x *opIndex) Search(ctx context.Context, q string) ([]av.OperationHit, error) {
	entries, err := x.current(ctx)
	if err != nil {
		return nil, err
	}
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return nil, nil
	}
	var out []av.OperationHit
	for _, e := range entries {
		if matchesAll(e.text, words) {
			out = append(out, e.hit)
			if len(out) == maxSearchHits {
				break
			}
		}
	}
	return out, nil
}

func matchesAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

func (x *opIndex) current(ctx context.Context) ([]opEntry, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	gen := x.h.opts.Store.Generation()
	if x.entries != nil && gen == x.gen && time.Since(x.built) < maxIndexAge {
		return x.entries, nil
	}
	entries, err := x.build(ctx)
	if err != nil {
		return nil, err
	}
	x.entries, x.gen, x.built = entries, gen, time.Now()
	return entries, nil
}

// build lists every API and takes the operations of versions it already
// indexed from the previous build; callers hold x.mu.
func (x *opIndex) build(ctx context.Context) ([]opEntry, error) {
	entries := []opEntry{}
	byRef := make(map[string]indexedAPI, len(x.byRef))
	q := catalog.Query{Filter: catalog.Filter{{{Key: "kind", Values: []string{"api"}}}}, Limit: 200}
	for {
		page, err := x.h.opts.Store.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("list APIs for operation search: %w", err)
		}
		for _, s := range page.Items {
			key, version := s.Ref.Key(), storedVersion(s)
			api, ok := x.byRef[key]
			if !ok || api.version != version {
				api = indexedAPI{version: version, entries: x.entityOps(s)}
			}
			byRef[key] = api
			entries = append(entries, api.entries...)
		}
		if page.NextCursor == "" || len(page.Items) == 0 {
			x.byRef = byRef
			return entries, nil
		}
		q.Cursor = page.NextCursor
	}
}

func (x *opIndex) entityOps(s *catalog.StoredEntity) []opEntry {
	e, err := s.Decode()
	if err != nil {
		return nil
	}
	if t := strings.ToLower(e.SpecString("type")); t != "openapi" && t != "swagger" {
		return nil
	}
	data := definitionBytes(e.Spec["definition"])
	sum, err := x.h.cache.Summary(openapi.Hash(data), data)
	if err != nil {
		return nil
	}
	ref := e.Ref()
	title := e.Metadata.Title
	if title == "" {
		title = e.Metadata.Name
	}
	base := DefinitionURL(ref)
	out := make([]opEntry, 0, len(sum.Operations))
	for _, op := range sum.Operations {
		text := strings.ToLower(strings.Join([]string{op.Method, op.Path, op.OperationID, op.Summary, strings.Join(op.Tags, " "), title, ref.Name}, " "))
		out = append(out, opEntry{text: text, hit: av.OperationHit{
			APITitle: title, APIURL: base, URL: base + "?op=" + op.Key + "#op-" + op.Key, OperationSummary: op,
		}})
	}
	return out
}

// search serves /search: entities (the store's full-text search) beside
// operations of all APIs.
func (h *Handler) search(c *echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	v := av.SearchView{Query: q}
	if q != "" {
		ctx := c.Request().Context()
		page, err := h.opts.Store.Query(ctx, catalog.Query{FullText: q, Limit: 20})
		if err != nil {
			h.log.Error("search entities", "err", err)
			v.Note = "Entity search failed; operations are still listed."
		} else {
			v.Entities = entityHits(page.Items, h.opts.EntityURL)
		}
		ops, err := h.index.Search(ctx, q)
		if err != nil {
			h.log.Error("search operations", "err", err)
			v.Note = "Operation search failed."
		}
		v.Operations = ops
	}
	title := "Search"
	if q != "" {
		title = "Search: " + q
	}
	return h.render(c, title, av.Search(v))
}

func entityHits(items []*catalog.StoredEntity, entityURL func(catalog.Ref) string) []av.EntityHit {
	out := make([]av.EntityHit, 0, len(items))
	for _, s := range items {
		e, err := s.Decode()
		if err != nil {
			continue
		}
		title := e.Metadata.Title
		if title == "" {
			title = e.Metadata.Name
		}
		out = append(out, av.EntityHit{Kind: e.Kind, Title: title, Description: e.Metadata.Description, URL: entityURL(e.Ref())})
	}
	return out
}
