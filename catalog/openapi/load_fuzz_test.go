package openapi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fuzzLimits keep one fuzz input cheap: refusing above 256 KiB is as much
// the limit's behaviour as loading below it.
var fuzzLimits = Limits{MaxBytes: 256 << 10, Timeout: 30 * time.Second, MaxRefFiles: 4}

// FuzzDefinition feeds arbitrary bytes to the definition loader as a page
// does: the summary (a plain decode, run without a recover on the search
// index's goroutine), then the full load through a Cache, with a sibling
// file (also fuzzed) for relative $refs. Nothing may panic the process:
// kin-openapi runs on untrusted input and the cache turns a panic inside
// it into an error, but a panic in this package's own code is a bug. A
// load must finish within the cache's wait (30 s here: a hang, not a slow
// parse); a definition above MaxBytes is refused; a document the summary
// refuses is refused by the load; every operation the summary lists has
// its details, and building them does not panic. Seeds are below, in
// testdata/ and in testdata/fuzz; CI runs it for a few seconds
// (scripts/test.sh).
func FuzzDefinition(f *testing.F) {
	for _, name := range []string{"oas30.json", "oas31.yaml", "swagger2.yaml", "cyclic.yaml", "xss.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(nil))
	}
	for _, seed := range [][2]string{
		{`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"operationId":"x","responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"sibling.json#/Pet"}}}}}}}}}`,
			`{"Pet":{"type":"object","properties":{"self":{"$ref":"#/Pet"},"n":{"$ref":"sibling.yaml#/N"}}}}`},
		{"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {$ref: '#/paths/~1b'}\n  /b: {$ref: '#/paths/~1a', get: {responses: {'200': {description: ok}}}}\n", ""},
		{"swagger: '2.0'\ninfo: {title: t, version: '1'}\nhost: h\nbasePath: /v1\npaths:\n  /p/{id}:\n    post:\n      parameters: [{name: id, in: path, required: true, type: string}, {name: b, in: body, schema: {$ref: 'sibling.yaml#/D'}}]\n      responses: {'200': {description: ok}}\n",
			"D: {type: object, additionalProperties: {$ref: '#/D'}}\n"},
		{"a: &a [*a, *a]\nopenapi: 3.0.0\n", ""},
		{"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {/x: {get: {parameters: [{$ref: '#/components/parameters/p'}], responses: {default: {$ref: '#/components/responses/r'}}}}}\ncomponents: {parameters: {p: {$ref: '#/components/parameters/p'}}, responses: {r: {$ref: '#/components/responses/r'}}}\n", ""},
		{"\ufeff{\"openapi\":\"3.0.0\",\"paths\":{\"/\":{\"get\":null,\"x-y\":1}}}", ""},
		{"openapi: 3.0.0\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          content:\n            a/b: {schema: {allOf: [{$ref: '#/x'}], not: {oneOf: [{}]}, items: {}}}\n", ""},
	} {
		f.Add([]byte(seed[0]), []byte(seed[1]))
	}
	f.Fuzz(func(t *testing.T, data, sibling []byte) {
		sum, sumErr := Summarize(data)
		c := NewCache(CacheOptions{Limits: fuzzLimits})
		reader := mapReader{"sibling.json": string(sibling), "sibling.yaml": string(sibling)}
		def, err := c.Definition(context.Background(), Hash(data), data, reader)
		switch {
		case errors.Is(err, ErrStillLoading):
			t.Fatalf("loading %d bytes did not finish within %s", len(data), fuzzLimits.Timeout)
		case int64(len(data)) > fuzzLimits.MaxBytes:
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%d bytes over a %d-byte limit: err = %v, want ErrTooLarge", len(data), fuzzLimits.MaxBytes, err)
			}
			return
		case sumErr != nil && err == nil:
			t.Fatalf("the summary refuses the definition (%v) but the load accepts it", sumErr)
		case err != nil && strings.Contains(err.Error(), "internal error"):
			blamePanic(t, data, reader)
			return
		case err != nil:
			return
		}
		if sum == nil || def.Summary == nil {
			t.Fatal("a loaded definition without a summary")
		}
		for _, o := range def.Summary.Operations {
			op, ok := def.Operation(o.Key)
			if !ok || op.Key != o.Key || op.Method != o.Method || op.Path != o.Path {
				t.Fatalf("summary lists %s %s as %q, the loaded definition gives %+v (found %v)", o.Method, o.Path, o.Key, op, ok)
			}
		}
	})
}

// blamePanic runs the load again without the cache's recover and fails the
// test when the panic comes from this package rather than from
// kin-openapi, whose panics the cache is there to contain.
func blamePanic(t *testing.T, data []byte, reader mapReader) {
	t.Helper()
	culprit := ""
	func() {
		defer func() {
			if recover() != nil {
				culprit = panicking()
			}
		}()
		_, _ = Parse(context.Background(), data, reader, fuzzLimits)
	}()
	if strings.HasPrefix(culprit, "github.com/porticohq/portico/") {
		t.Fatalf("the load panicked in %s (the cache turned it into an error, but it is this package's bug)", culprit)
	}
}

// panicking names the function that panicked, from a deferred recover:
// the first frame after runtime.gopanic that is not the runtime's.
func panicking() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	afterPanic := false
	for {
		fr, more := frames.Next()
		switch {
		case fr.Function == "runtime.gopanic":
			afterPanic = true
		case afterPanic && !strings.HasPrefix(fr.Function, "runtime."):
			return fr.Function
		}
		if !more {
			return ""
		}
	}
}
