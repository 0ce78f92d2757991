package apidocs

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

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

	// byRef: refHash → the operations of one version; owned by the build.
	// Keyed by a hash rather than the ref's key string: ~5 MB less at
	// 100,000 APIs. Two refs with one hash would only cost a decode, as
	// an entry is reused only when its version hash matches too.
	byRef map[uint64]*indexedAPI

	pageSize int          // APIs read per store query: buildPageSize
	indexed  atomic.Int64 // definitions decoded, for tests

	// ctx is every build's parent; close cancels it and waits for builds
	// (builds) to end, so that none reads a store being closed.
	ctx    context.Context
	cancel context.CancelFunc
	builds sync.WaitGroup
}

// indexedAPI is one entity version's operations in the index, compact:
// 1,250,000 operations of 100,000 APIs held as structs of strings took
// ~800 MB; here each API keeps one string of its operations' fields,
// ASCII lower-cased for matching, with a bit per byte to restore the case
// of a hit, and the end offset of each operation. Deep links and the hits'
// fields are made when an operation is a hit, and the API's title and name
// are matched once per API. See opText for the layout. The struct is 256
// bytes (a malloc size class): at 100,000 APIs each field costs 100,000
// times its size.
type indexedAPI struct {
	version uint64 // hash of the stored version (versionHash)
	title   string
	head    string // lower-cased title and name
	// namespace and name make the Definition tab's URL (DefinitionURL) of
	// a hit. name shares head's bytes when it is lower-case, as names
	// usually are, and namespace is the constant when it is the default.
	namespace, name string
	text            string
	// meta holds n words, the end of each operation in text (deprecatedBit
	// set when it is deprecated), then the case bits of text: bit i%32 of
	// word n+i/32 is set when text[i] was an ASCII upper-case letter. One
	// allocation rather than three.
	meta []uint32
	n    uint32 // operations
	// webhooks: the last webhooks operations are an OpenAPI 3.1
	// definition's webhooks, opened by ?webhook= rather than ?op=.
	webhooks uint32
	// reference: the "operations" are an AsyncAPI, GraphQL or gRPC
	// definition's items (channels, fields, RPCs), each Key the anchor to
	// append to the URL.
	reference bool
	// unicode: some text is not ASCII; matching lower-cases each
	// operation's restored text in full, as strings.ToLower does.
	unicode bool
	// trigrams has a bit set for each trigram of text (a Bloom filter;
	// all set when unicode): an API lacking one of a word's trigrams is
	// skipped without reading its text, so a rare word does not read the
	// whole index.
	trigrams trigramSet
}

// deprecatedBit marks a deprecated operation's end in indexedAPI.meta; it
// bounds an API's operation text to 2 GiB, far over any definition read.
const deprecatedBit = 1 << 31

// trigramSet is a 1,024-bit Bloom filter of trigrams with one hash.
type trigramSet [16]uint64

func trigramBit(a, b, c byte) uint32 {
	return (uint32(a)<<16 | uint32(b)<<8 | uint32(c)) * 0x9E3779B1 >> 22
}

func (t *trigramSet) addAll(text string) {
	for i := 0; i+3 <= len(text); i++ {
		bit := trigramBit(text[i], text[i+1], text[i+2])
		t[bit/64] |= 1 << (bit % 64)
	}
}

// covers reports whether t has every bit of w.
func (t *trigramSet) covers(w *trigramSet) bool {
	for i := range t {
		if t[i]&w[i] != w[i] {
			return false
		}
	}
	return true
}

// Separators in opText. Field values have them replaced by spaces, and
// search words never contain them, so a word never matches across fields
// or operations.
const (
	fieldSep = 0x00 // after each field
	tagSep   = 0x01 // between tags
)

// maxSearchQuery and maxSearchWords bound the work one search does.
const (
	maxSearchQuery = 200
	maxSearchWords = 10
)

// newIndexedAPI packs ops. Each operation's text is key, method, path,
// operationId, summary and the tags, each followed by fieldSep (tags
// joined by tagSep); the key is left empty when it is the operationId.
func newIndexedAPI(version uint64, ops []openapi.OperationSummary) *indexedAPI {
	api := &indexedAPI{version: version, n: uint32(len(ops))}
	ends := make([]uint32, len(ops))
	var b []byte
	clean := func(v string) {
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c == fieldSep || c == tagSep {
				c = ' '
			}
			b = append(b, c)
		}
	}
	field := func(v string) {
		clean(v)
		b = append(b, fieldSep)
	}
	for j, op := range ops {
		key := op.Key
		if key == op.OperationID {
			key = ""
		}
		field(key)
		field(op.Method)
		field(op.Path)
		field(op.OperationID)
		field(op.Summary)
		for i, t := range op.Tags {
			if i > 0 {
				b = append(b, tagSep)
			}
			clean(t)
		}
		b = append(b, fieldSep)
		ends[j] = uint32(len(b))
		if op.Deprecated {
			ends[j] |= deprecatedBit
		}
	}
	api.meta = make([]uint32, len(ops)+(len(b)+31)/32)
	copy(api.meta, ends)
	upper := api.meta[len(ops):]
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + ('a' - 'A')
			upper[i/32] |= 1 << (i % 32)
		case c >= 0x80:
			api.unicode = true
		}
	}
	api.text = string(b) // without append's spare capacity
	if api.unicode {
		for i := range api.trigrams {
			api.trigrams[i] = ^uint64(0)
		}
	} else {
		api.trigrams.addAll(api.text)
	}
	return api
}

// end is where operation j's text ends.
func (api *indexedAPI) end(j int) int { return int(api.meta[j] &^ deprecatedBit) }

// deprecated reports whether operation j is deprecated.
func (api *indexedAPI) deprecated(j int) bool { return api.meta[j]&deprecatedBit != 0 }

// upper reports whether text[i] was an ASCII upper-case letter.
func (api *indexedAPI) upper(i int) bool { return api.meta[int(api.n)+i/32]&(1<<(i%32)) != 0 }

// span is where operation j's text is.
func (api *indexedAPI) span(j int) (int, int) {
	start := 0
	if j > 0 {
		start = api.end(j - 1)
	}
	return start, api.end(j)
}

// opAt is the operation whose text holds byte i.
func (api *indexedAPI) opAt(i int) int {
	return sort.Search(int(api.n), func(j int) bool { return api.end(j) > i })
}

// restored is operation j's text in its original case.
func (api *indexedAPI) restored(j int) string {
	start, end := api.span(j)
	b := make([]byte, end-start)
	for i := start; i < end; i++ {
		c := api.text[i]
		if api.upper(i) {
			c -= 'a' - 'A'
		}
		b[i-start] = c
	}
	return string(b)
}

// op unpacks operation j.
func (api *indexedAPI) op(j int) openapi.OperationSummary {
	f := strings.Split(api.restored(j), string(rune(fieldSep)))
	op := openapi.OperationSummary{Key: f[0], Method: f[1], Path: f[2], OperationID: f[3], Summary: f[4],
		Deprecated: api.deprecated(j)}
	if op.Key == "" {
		op.Key = op.OperationID
	}
	if f[5] != "" {
		op.Tags = strings.Split(f[5], string(rune(tagSep)))
	}
	return op
}

// setRef records the API's namespace and name for its URL, sharing
// memory where it can (see indexedAPI).
func (api *indexedAPI) setRef(ref catalog.Ref) {
	api.namespace = ref.Namespace
	if ref.Namespace == catalog.DefaultNamespace {
		api.namespace = catalog.DefaultNamespace
	}
	api.name = ref.Name
	if strings.HasSuffix(api.head, ref.Name) {
		api.name = api.head[len(api.head)-len(ref.Name):]
	}
}

// url is the API's Definition tab.
func (api *indexedAPI) url() string {
	return DefinitionURL(catalog.Ref{Kind: "API", Namespace: api.namespace, Name: api.name})
}

// query is a search's words with each word's trigrams.
type query struct {
	words    []string
	trigrams []trigramSet
}

func newQuery(words []string) query {
	q := query{words: words, trigrams: make([]trigramSet, len(words))}
	for i, w := range words {
		q.trigrams[i].addAll(w)
	}
	return q
}

// match calls hit for each operation (in order) matching every word in its
// own text or in the API's title and name, until hit returns false.
func (api *indexedAPI) match(q query, hit func(j int) bool) bool {
	var rest []string
	for i, w := range q.words {
		if strings.Contains(api.head, w) {
			continue
		}
		if !api.trigrams.covers(&q.trigrams[i]) {
			return true // no operation has w
		}
		rest = append(rest, w)
	}
	switch {
	case len(rest) == 0:
		for j := range int(api.n) {
			if !hit(j) {
				return false
			}
		}
	case api.unicode:
		for j := range int(api.n) {
			if containsAll(strings.ToLower(api.restored(j)), rest) && !hit(j) {
				return false
			}
		}
	default:
		// Find the longest word (the rarest, likely) anywhere, then check
		// the others in the operation it is in.
		longest := 0
		for i, w := range rest {
			if len(w) > len(rest[longest]) {
				longest = i
			}
		}
		first := rest[longest]
		for pos := 0; pos < len(api.text); {
			i := strings.Index(api.text[pos:], first)
			if i < 0 {
				break
			}
			j := api.opAt(pos + i)
			start, end := api.span(j)
			if containsAll(api.text[start:end], rest) && !hit(j) {
				return false
			}
			pos = end
		}
	}
	return true
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// searchWords are the lower-cased words of a query, at most maxSearchWords
// from its first maxSearchQuery bytes, without control characters.
func searchWords(q string) []string {
	if len(q) > maxSearchQuery {
		n := maxSearchQuery
		for n > 0 && !utf8.RuneStart(q[n]) {
			n--
		}
		q = q[:n]
	}
	q = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToLower(q))
	words := strings.Fields(q)
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	return words
}

const (
	maxIndexAge   = 5 * time.Minute
	maxSearchHits = 50
	// searchWait is how long a search waits for a running build.
	searchWait = 1500 * time.Millisecond
	// buildTimeout bounds one build.
	buildTimeout = 5 * time.Minute
)

// buildPageSize is how many APIs a build reads per store query.
const buildPageSize = 200

func newOpIndex(h *Handler) *opIndex {
	x := &opIndex{h: h, wait: searchWait, pageSize: buildPageSize}
	x.ctx, x.cancel = context.WithCancel(context.Background())
	return x
}

// close stops a running build, waits for it to end and starts no other.
func (x *opIndex) close() {
	x.mu.Lock()
	x.cancel()
	x.mu.Unlock()
	x.builds.Wait()
}

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
	words := searchWords(q)
	if len(words) == 0 {
		return opResults{stale: stale}, nil
	}
	return opResults{hits: searchAPIs(apis, words), stale: stale}, nil
}

// isWebhook reports whether operation j is one of the API's webhooks.
func (api *indexedAPI) isWebhook(j int) bool {
	return j >= int(api.n)-int(api.webhooks)
}

// hitURL opens operation j of api, whose key is key: an OpenAPI operation
// by ?op= (it works without JavaScript) and #op-, a webhook likewise by
// ?webhook= and #webhook-, a reference item by its anchor.
func hitURL(api *indexedAPI, apiURL string, j int, key string) string {
	switch {
	case api.reference:
		return apiURL + key
	case api.isWebhook(j):
		return apiURL + "?webhook=" + key + "#webhook-" + key
	}
	return apiURL + "?op=" + key + "#op-" + key
}

// searchAPIs returns the first maxSearchHits operations matching words.
func searchAPIs(apis []*indexedAPI, words []string) []av.OperationHit {
	q := newQuery(words)
	var out []av.OperationHit
	for _, api := range apis {
		apiURL := ""
		more := api.match(q, func(j int) bool {
			if apiURL == "" {
				apiURL = api.url()
			}
			op := api.op(j)
			out = append(out, av.OperationHit{
				APITitle: api.title, APIURL: apiURL,
				URL:              hitURL(api, apiURL, j, op.Key),
				Webhook:          api.isWebhook(j),
				OperationSummary: opSummaryView(op),
			})
			return len(out) < maxSearchHits
		})
		if !more {
			break
		}
	}
	return out
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
		if err := x.ctx.Err(); err != nil {
			x.mu.Unlock()
			return nil, false, nil, err // closed: the server is stopping
		}
		done = make(chan struct{})
		x.building = done
		x.done.Store(0)
		x.total.Store(0)
		x.builds.Add(1)
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
	defer x.builds.Done()
	defer close(done)
	ctx, cancel := context.WithTimeout(x.ctx, buildTimeout)
	defer cancel()
	start := time.Now()
	apis, ops, err := x.build(ctx)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.building, x.buildErr = nil, err
	if err != nil && x.ctx.Err() != nil {
		x.h.log.Info("operation search index build stopped: the server is stopping")
		return
	}
	if err != nil {
		x.h.log.Error("build the operation search index", "err", err)
		return
	}
	x.apis, x.gen, x.built = apis, gen, time.Now()
	x.h.log.Info("operation search index built", "apis", len(apis), "operations", ops, "duration", time.Since(start))
}

// build lists every API and takes the operations of versions it already
// indexed from the previous build; the others are decoded on every core.
// A build that fails or times out keeps what it decoded for the next one,
// so on a busy machine a first build over 100,000 APIs that outlasts
// buildTimeout still finishes, over several builds.
func (x *opIndex) build(ctx context.Context) ([]*indexedAPI, int, error) {
	out := []*indexedAPI{}
	ops := 0
	byRef := make(map[uint64]*indexedAPI, len(x.byRef))
	keep := func() {
		if x.byRef == nil {
			x.byRef = byRef
			return
		}
		maps.Copy(x.byRef, byRef)
	}
	// The listing reads no bodies: only the versions not indexed yet are
	// read whole, so a rebuild after a few changes among 100,000 APIs reads
	// a few bodies, not 1.3 GB.
	q := catalog.Query{Filter: catalog.Filter{{{Key: "kind", Values: []string{"api"}}}}, Limit: x.pageSize, HeadersOnly: true}
	for {
		page, err := x.h.opts.Store.Query(ctx, q)
		if err != nil {
			keep()
			return nil, 0, fmt.Errorf("list APIs for operation search: %w", err)
		}
		x.total.Store(int64(page.TotalItems))
		apis := make([]*indexedAPI, len(page.Items))
		var todo []int
		var refs []catalog.Ref
		for i, s := range page.Items {
			if api, ok := x.byRef[refHash(s.Ref)]; ok && api.version == versionHash(s) {
				apis[i] = api
			} else {
				todo = append(todo, i)
				refs = append(refs, s.Ref)
			}
		}
		whole, err := x.h.opts.Store.ByRefs(ctx, refs, nil)
		if err != nil {
			keep()
			return nil, 0, fmt.Errorf("read APIs for operation search: %w", err)
		}
		catalog.Parallel(len(todo), 0, func(j int) {
			if ctx.Err() != nil {
				return
			}
			if s := whole[j]; s != nil {
				apis[todo[j]] = x.indexAPI(s)
			} else { // removed since the listing
				apis[todo[j]] = &indexedAPI{version: versionHash(page.Items[todo[j]])}
			}
		})
		if err := ctx.Err(); err != nil {
			keep()
			return nil, 0, err
		}
		for i, s := range page.Items {
			byRef[refHash(s.Ref)] = apis[i]
			if apis[i].n > 0 {
				out = append(out, apis[i])
				ops += int(apis[i].n)
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

// indexAPI indexes the operations (and 3.1 webhooks) of one stored API
// version (none for an entity that is not an OpenAPI or Swagger API, or
// whose definition cannot be read).
func (x *opIndex) indexAPI(s *catalog.StoredEntity) *indexedAPI {
	x.indexed.Add(1)
	version := versionHash(s)
	none := &indexedAPI{version: version}
	var d indexEntity
	if err := json.Unmarshal(s.JSON, &d); err != nil {
		return none
	}
	e := d.entity()
	data := e.Definition()
	var api *indexedAPI
	switch t := strings.ToLower(e.SpecString("type")); {
	case t == "openapi" || t == "swagger":
		// Not through the page's summary cache: a build reads every API
		// once, and needs the operations alone (SummarizeOperations skips
		// the rest of a YAML definition, half the parse's garbage).
		ops, webhooks, err := openapi.SummarizeOperations(data, x.h.opts.Limits)
		if err != nil {
			return none
		}
		// Webhooks follow the operations, found by the same words.
		api = newIndexedAPI(version, slices.Concat(ops, webhooks))
		api.webhooks = uint32(len(webhooks))
	case hasReference(t):
		api = newIndexedAPI(version, referenceOps(ReferenceItems(context.Background(), t, e.Metadata.Name, data)))
		api.reference = true
	default:
		return none
	}
	ref := e.Ref()
	api.title = e.Metadata.Title
	if api.title == "" {
		api.title = e.Metadata.Name
	}
	api.head = strings.ToLower(api.title + " " + ref.Name)
	api.setRef(ref)
	return api
}

// indexEntity is what the index reads of a stored API. Decoding only it
// spares each build a map of every entity's metadata, spec and relations
// (the build decodes 100,000 of them on a cold start).
type indexEntity struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
		Title     string `json:"title"`
	} `json:"metadata"`
	Spec struct {
		Type       any `json:"type"`
		Definition any `json:"definition"`
	} `json:"spec"`
}

// entity is d as a catalog entity, for its accessors (Ref, Definition).
func (d *indexEntity) entity() *catalog.Entity {
	return &catalog.Entity{Kind: d.Kind,
		Metadata: catalog.Metadata{Name: d.Metadata.Name, Namespace: d.Metadata.Namespace, Title: d.Metadata.Title},
		Spec:     map[string]any{"type": d.Spec.Type, "definition": d.Spec.Definition}}
}

// referenceOps lists an AsyncAPI, GraphQL or gRPC definition's items as
// the index stores operations: the kind as the method (SEND, QUERY, RPC),
// the signature (or name) as the path, the section as the tag, and the
// anchor as the key.
func referenceOps(items []ReferenceItem) []openapi.OperationSummary {
	ops := make([]openapi.OperationSummary, len(items))
	for i, it := range items {
		path := it.Signature
		if path == "" {
			path = it.Name
		}
		ops[i] = openapi.OperationSummary{Key: it.Anchor, Method: strings.ToUpper(it.Kind), Path: path,
			OperationID: it.Name, Summary: it.Summary, Tags: []string{it.Section}}
	}
	return ops
}

// refHash identifies an entity in the build's map of indexed versions.
func refHash(r catalog.Ref) uint64 {
	h := fnv.New64a()
	h.Write([]byte(r.Key()))
	return h.Sum64()
}

// versionHash identifies a stored version in 8 bytes, from what a
// headers-only listing carries: uid, update time and content hash.
func versionHash(s *catalog.StoredEntity) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s.UID + "|" + strconv.FormatInt(s.UpdatedAt.UnixNano(), 10) + "|" + s.Hash))
	return h.Sum64()
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
				web.LogAside(ctx, h.log, slog.LevelError, "search entities", "err", err)
				v.Note = "Entity search failed; operations are still listed."
			} else {
				v.Entities = entityHits(page.Items, h.opts.EntityURL)
			}
		}
		res, err := h.index.Search(ctx, q)
		if err != nil {
			web.LogAside(ctx, h.log, slog.LevelError, "search operations", "err", err)
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
