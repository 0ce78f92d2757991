package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/porticohq/portico/catalog"
)

// Limits bound what loading one definition may cost. The zero value means
// the defaults.
type Limits struct {
	// MaxBytes refuses larger definitions before parsing (default 20 MB).
	MaxBytes int64
	// Timeout is how long a caller waits for a load (default 2 s). A load
	// that takes longer keeps running in the background, bounded by
	// MaxBytes, and its result is cached for the next request.
	Timeout time.Duration
	// MaxRefFiles and MaxRefBytes bound the sibling files read for
	// relative $refs (default 32 files, MaxBytes in total).
	MaxRefFiles int
	MaxRefBytes int64
}

// Default limits.
const (
	DefaultMaxBytes = 20 << 20
	DefaultTimeout  = 2 * time.Second
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	if l.MaxRefFiles <= 0 {
		l.MaxRefFiles = 32
	}
	if l.MaxRefBytes <= 0 {
		l.MaxRefBytes = l.MaxBytes
	}
	return l
}

// ErrTooLarge is returned for a definition above Limits.MaxBytes.
var ErrTooLarge = errors.New("definition is larger than the configured limit")

// Definition is a fully loaded OpenAPI document: the summary plus the
// kin-openapi model that operation details are built from.
type Definition struct {
	Summary  *Summary
	Warnings []string // validation problems; the definition is still shown
	doc      *openapi3.T
	ops      map[string]opRef
	webhooks map[string]opRef
}

type opRef struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
	security     *openapi3.SecurityRequirements // the document's, for paths
	b            *treeBuilder                   // shared with the operation a callback belongs to
}

// Parse loads data (Swagger 2.0, OpenAPI 3.0 or 3.1; JSON or YAML) with
// kin-openapi. External $refs are never fetched by kin-openapi: relative
// refs to sibling files are read through reader (nil refuses them) within
// the limits. Parse runs on the calling goroutine and is not time-bounded:
// use a Cache for that.
func Parse(ctx context.Context, data []byte, reader catalog.Reader, limits Limits) (def *Definition, err error) {
	defer func() {
		// kin-openapi is third-party code fed untrusted input: a panic in
		// it is this definition's problem, described in its terms.
		if p := recover(); p != nil {
			def, err = nil, panicError(data, p)
		}
	}()
	limits = limits.withDefaults()
	if int64(len(data)) > limits.MaxBytes {
		return nil, fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, len(data), limits.MaxBytes)
	}
	sum, err := summarizeLoadable(data)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.Context = ctx
	loader.ReadFromURIFunc = (&refReader{ctx: ctx, reader: reader, limits: limits}).read
	base := &url.URL{Path: "definition"}
	var doc *openapi3.T
	if strings.HasPrefix(sum.Format, "swagger-") {
		doc, err = loadSwagger(data, loader, base)
	} else {
		doc, err = loader.LoadFromDataWithPath(data, base)
	}
	if err != nil {
		return nil, fmt.Errorf("load definition: %w", err)
	}
	d := &Definition{Summary: sum, doc: doc, ops: indexOps(doc, sum)}
	d.webhooks, sum.Webhooks = indexItems(doc.Webhooks, sum.Webhooks)
	d.Warnings = validate(ctx, doc)
	return d, nil
}

// panicError turns a panic while loading data into an error a catalog
// author can act on: where the definition has nulls kin-openapi cannot
// take, or else what failed.
func panicError(data []byte, p any) error {
	var v any
	if yaml.Unmarshal(data, &v) == nil {
		if places := nullsIn(catalog.Normalize(v)); len(places) > 0 {
			return fmt.Errorf("load definition: %w", nullError(places))
		}
	}
	return fmt.Errorf("load definition: the OpenAPI library could not read this definition (%v); check it with an OpenAPI validator", p)
}

func loadSwagger(data []byte, loader *openapi3.Loader, base *url.URL) (*openapi3.T, error) {
	jsonData := data
	if !IsJSON(data) {
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("decode swagger yaml: %w", err)
		}
		// Response codes are usually written unquoted (200:), which YAML
		// reads as numbers: JSON needs string keys.
		b, err := json.Marshal(catalog.Normalize(v))
		if err != nil {
			return nil, fmt.Errorf("convert swagger yaml: %w", err)
		}
		jsonData = b
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(jsonData, &doc2); err != nil {
		return nil, fmt.Errorf("decode swagger: %w", err)
	}
	doc3, err := openapi2conv.ToV3WithLoader(&doc2, loader, base)
	if err != nil {
		return nil, fmt.Errorf("convert swagger 2.0: %w", err)
	}
	return doc3, nil
}

// indexOps gives every operation kin-openapi loaded the key Summarize gave
// the same method and path, so summary keys always find their details.
// Operations Summarize could not see (behind a path-item $ref to another
// file) get fresh keys that collide with none of those and are appended to
// sum.Operations, so the full page lists them too.
func indexOps(doc *openapi3.T, sum *Summary) map[string]opRef {
	if doc.Paths == nil {
		return map[string]opRef{}
	}
	out, ops := indexItems(doc.Paths.Map(), sum.Operations)
	sum.Operations = ops
	return out
}

// indexItems keys the operations of path items (paths or webhooks) as
// summarizeOps keyed the same items in known, appending those it did not
// see; it returns the index and the extended list.
func indexItems(items map[string]*openapi3.PathItem, known []OperationSummary) (map[string]opRef, []OperationSummary) {
	out := map[string]opRef{}
	keys := newKeyer()
	byOp := make(map[string]string, len(known))
	for _, o := range known {
		keys.reserve(o.Key)
		byOp[o.Method+" "+o.Path] = o.Key
	}
	for _, p := range slices.Sorted(maps.Keys(items)) {
		item := items[p]
		if item == nil {
			continue
		}
		for _, m := range Methods {
			op := item.GetOperation(m)
			if op == nil {
				continue
			}
			key, ok := byOp[m+" "+p]
			if !ok {
				key = keys.key(m, p, op.OperationID)
				known = append(known, OperationSummary{
					Key: key, Method: m, Path: p, OperationID: op.OperationID,
					Summary: op.Summary, Tags: op.Tags, Deprecated: op.Deprecated,
				})
			}
			out[key] = opRef{method: m, path: p, item: item, op: op}
		}
	}
	return out, known
}

const maxWarnings = 50

func validate(ctx context.Context, doc *openapi3.T) []string {
	err := doc.Validate(ctx, openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation())
	if err == nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line != "" && len(out) < maxWarnings {
			out = append(out, line)
		}
	}
	return out
}

// refReader resolves relative $refs to sibling files through the catalog's
// reader. Absolute paths, URLs with a scheme or host, and reads beyond the
// limits are refused: kin-openapi must never reach the network or the disk.
type refReader struct {
	ctx    context.Context
	reader catalog.Reader
	limits Limits
	mu     sync.Mutex
	files  int
	bytes  int64
}

func (r *refReader) read(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
	if u.Scheme != "" || u.Host != "" || u.User != nil || path.IsAbs(u.Path) {
		return nil, fmt.Errorf("external reference %q refused: only relative references to sibling files are resolved", u.String())
	}
	if r.reader == nil {
		return nil, fmt.Errorf("reference to %q refused: this definition's location cannot resolve sibling files", u.Path)
	}
	r.mu.Lock()
	r.files++
	files := r.files
	r.mu.Unlock()
	if files > r.limits.MaxRefFiles {
		return nil, fmt.Errorf("reference to %q refused: more than %d referenced files", u.Path, r.limits.MaxRefFiles)
	}
	data, loc, err := r.reader.ReadRelative(r.ctx, u.Path)
	if err != nil {
		return nil, fmt.Errorf("read reference %q: %w", u.Path, err)
	}
	r.mu.Lock()
	r.bytes += int64(len(data))
	total := r.bytes
	r.mu.Unlock()
	if total > r.limits.MaxRefBytes {
		return nil, fmt.Errorf("read reference %s: referenced files exceed %d bytes", loc, r.limits.MaxRefBytes)
	}
	return data, nil
}
