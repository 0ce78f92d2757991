package apidocs

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
	"github.com/porticohq/portico/web"
)

// opIndex is the operation search index: every operation of every OpenAPI
// entity, in memory. It is rebuilt from the store when the store's
// generation changes (or after maxIndexAge, for changes committed by other
// replicas). A rebuild reuses each entity's operations while its stored
// version is unchanged, so only definitions that changed are decoded again
// (a rebuild after one edit reads the rows but parses one definition). This
// keeps the feature free of tables and hooks in the catalog.
//
// Builds run in the background, one at a time, decoding definitions on
// every core. A search waits up to searchWait for a build; past that it is
// answered from the previous index (marked as updating), or, when there is
// none yet (a cold start over thousands of APIs takes seconds), with the
// build's progress, which the page polls.
type opIndex struct {
	h        *Handler
	wait     time.Duration // how long a search waits for a build: searchWait
	mu       sync.Mutex
	gen      uint64
	built    time.Time
	apis     []*indexedAPI // in catalog order; nil until the first build
	building chan struct{} // closed when the running build ends; nil when none runs
	buildErr error         // of the last build
	done     atomic.Int64  // APIs read by the running build
	total    atomic.Int64  // APIs the running build will read

	byRef map[string]*indexedAPI // ref key → the operations of one version; owned by the build
}

// indexedAPI is one entity version's operations in the index. Deep links
// are made when an operation is a hit, and the API's title and name are
// matched once per API, which keeps ~125,000 operations of 10,000 APIs in
// ~40 MB.
type indexedAPI struct {
	version string
	title   string
	url     string // the Definition tab
	text    string // lower-cased title and name
	ops     []indexedOp
}

type indexedOp struct {
	text string // lower-cased method, path, operationId, summary and tags
	op   openapi.OperationSummary
}

const (
	maxIndexAge   = 5 * time.Minute
	maxSearchHits = 50
	// searchWait is how long a search waits for a running build.
	searchWait = 1500 * time.Millisecond
	// buildTimeout bounds one build.
	buildTimeout = 5 * time.Minute
)

func newOpIndex(h *Handler) *opIndex { return &opIndex{h: h, wait: searchWait} }

// opResults is a search's answer: hits, or the progress of the build that
// must finish first.
type opResults struct {
	hits     []av.OperationHit
	stale    bool              // from the previous index while a new one builds
	progress *av.IndexProgress // set when there is no index to search yet
}

// Search returns the operations matching every word of q.
func (x *opIndex) Search(ctx context.Context, q string) (opResults, error) {
	apis, stale, progress, err := x.current(ctx)
	if err != nil || progress != nil {
		return opResults{progress: progress}, err
	}
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return opResults{stale: stale}, nil
	}
	var out []av.OperationHit
	for _, api := range apis {
		for _, o := range api.ops {
			if matchesAll(o.text, api.text, words) {
				out = append(out, av.OperationHit{
					APITitle: api.title, APIURL: api.url,
					URL:              api.url + "?op=" + o.op.Key + "#op-" + o.op.Key,
					OperationSummary: opSummaryView(o.op),
				})
				if len(out) == maxSearchHits {
					return opResults{hits: out, stale: stale}, nil
				}
			}
		}
	}
	return opResults{hits: out, stale: stale}, nil
}

// matchesAll reports whether every word is in the operation's or its API's
// text.
func matchesAll(opText, apiText string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(opText, w) && !strings.Contains(apiText, w) {
			return false
		}
	}
	return true
}

// current returns the index to search: the fresh one, or after starting (or
// joining) a build and waiting up to searchWait, the new one, the previous
// one (stale), or the build's progress.
func (x *opIndex) current(ctx context.Context) (apis []*indexedAPI, stale bool, progress *av.IndexProgress, err error) {
	x.mu.Lock()
	gen := x.h.opts.Store.Generation()
	if x.apis != nil && gen == x.gen && time.Since(x.built) < maxIndexAge {
		apis = x.apis
		x.mu.Unlock()
		return apis, false, nil, nil
	}
	done := x.building
	if done == nil {
		done = make(chan struct{})
		x.building = done
		x.done.Store(0)
		x.total.Store(0)
		go x.rebuild(gen, done)
	}
	prev := x.apis
	x.mu.Unlock()

	wait := time.NewTimer(x.wait)
	defer wait.Stop()
	select {
	case <-done:
		x.mu.Lock()
		apis, err = x.apis, x.buildErr
		x.mu.Unlock()
		if err != nil {
			if apis != nil {
				return apis, true, nil, nil
			}
			return nil, false, nil, err
		}
		return apis, false, nil, nil
	case <-wait.C:
	case <-ctx.Done():
		return nil, false, nil, ctx.Err()
	}
	if prev != nil {
		return prev, true, nil, nil
	}
	return nil, false, &av.IndexProgress{Done: int(x.done.Load()), Total: int(x.total.Load())}, nil
}

// rebuild builds the index for store generation gen (read before the build
// starts, so a commit during the build triggers another) and publishes it.
func (x *opIndex) rebuild(gen uint64, done chan struct{}) {
	defer close(done)
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	start := time.Now()
	apis, ops, err := x.build(ctx)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.building, x.buildErr = nil, err
	if err != nil {
		x.h.log.Error("build the operation search index", "err", err)
		return
	}
	x.apis, x.gen, x.built = apis, gen, time.Now()
	x.h.log.Info("operation search index built", "apis", len(apis), "operations", ops, "duration", time.Since(start))
}

// build lists every API and takes the operations of versions it already
// indexed from the previous build; the others are decoded on every core.
func (x *opIndex) build(ctx context.Context) ([]*indexedAPI, int, error) {
	out := []*indexedAPI{}
	ops := 0
	byRef := make(map[string]*indexedAPI, len(x.byRef))
	q := catalog.Query{Filter: catalog.Filter{{{Key: "kind", Values: []string{"api"}}}}, Limit: 200}
	for {
		page, err := x.h.opts.Store.Query(ctx, q)
		if err != nil {
			return nil, 0, fmt.Errorf("list APIs for operation search: %w", err)
		}
		x.total.Store(int64(page.TotalItems))
		apis := make([]*indexedAPI, len(page.Items))
		var todo []int
		for i, s := range page.Items {
			if api, ok := x.byRef[s.Ref.Key()]; ok && api.version == storedVersion(s) {
				apis[i] = api
			} else {
				todo = append(todo, i)
			}
		}
		catalog.Parallel(len(todo), 0, func(j int) {
			if ctx.Err() == nil {
				apis[todo[j]] = x.indexAPI(page.Items[todo[j]])
			}
		})
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		for i, s := range page.Items {
			byRef[s.Ref.Key()] = apis[i]
			if len(apis[i].ops) > 0 {
				out = append(out, apis[i])
				ops += len(apis[i].ops)
			}
		}
		x.done.Add(int64(len(page.Items)))
		if page.NextCursor == "" || len(page.Items) == 0 {
			x.byRef = byRef
			return out, ops, nil
		}
		q.Cursor = page.NextCursor
	}
}

// indexAPI indexes the operations of one stored API version (none for an
// entity that is not an OpenAPI or Swagger API, or whose definition cannot
// be read).
func (x *opIndex) indexAPI(s *catalog.StoredEntity) *indexedAPI {
	api := &indexedAPI{version: storedVersion(s)}
	e, err := s.Decode()
	if err != nil {
		return api
	}
	if t := strings.ToLower(e.SpecString("type")); t != "openapi" && t != "swagger" {
		return api
	}
	data := e.Definition()
	sum, err := x.h.cache.Summary(openapi.Hash(data), data)
	if err != nil {
		return api
	}
	ref := e.Ref()
	api.title = e.Metadata.Title
	if api.title == "" {
		api.title = e.Metadata.Name
	}
	api.url = DefinitionURL(ref)
	api.text = strings.ToLower(api.title + " " + ref.Name)
	api.ops = make([]indexedOp, len(sum.Operations))
	for i, op := range sum.Operations {
		api.ops[i] = indexedOp{
			text: strings.ToLower(strings.Join([]string{op.Method, op.Path, op.OperationID, op.Summary, strings.Join(op.Tags, " ")}, " ")),
			op:   op,
		}
	}
	return api
}

// search serves /search: entities (the store's full-text search) beside
// operations of all APIs. With ?part=operations (the page's poll while the
// operation index builds) it answers the operations section alone.
func (h *Handler) search(c *echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	v := av.SearchView{Query: q, PollURL: "/search?" + url.Values{"q": {q}, "part": {"operations"}}.Encode()}
	opsOnly := c.QueryParam("part") == "operations"
	if q != "" {
		ctx := c.Request().Context()
		if !opsOnly {
			page, err := h.opts.Store.Query(ctx, catalog.Query{FullText: q, Limit: 20})
			if err != nil {
				h.log.Error("search entities", "err", err)
				v.Note = "Entity search failed; operations are still listed."
			} else {
				v.Entities = entityHits(page.Items, h.opts.EntityURL)
			}
		}
		res, err := h.index.Search(ctx, q)
		if err != nil {
			h.log.Error("search operations", "err", err)
			v.OperationsNote = "Operation search failed; please try again."
		}
		v.Operations, v.Indexing, v.StaleOperations = res.hits, res.progress, res.stale
	}
	if opsOnly {
		return web.Render(c, http.StatusOK, av.SearchOperations(v))
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
