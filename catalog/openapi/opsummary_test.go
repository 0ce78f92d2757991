package openapi

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzSummarizeOperations: the operation search index's shortcut lists the
// same operations and webhooks as Summarize for every definition Summarize
// reads (it may list operations of a definition whose other sections
// Summarize refuses; that is the shortcut's point: it does not read them).
func FuzzSummarizeOperations(f *testing.F) {
	for _, name := range []string{"oas30.json", "oas31.yaml", "swagger2.yaml", "cyclic.yaml", "xss.yaml", "petstore31.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		// An alias in paths to an anchor in components: the paths alone do
		// not parse, so the whole document is read.
		"openapi: 3.0.0\ncomponents:\n  x: &op {operationId: shared, summary: S}\npaths:\n  /a:\n    get: *op\n",
		// Path-item $refs resolve against the whole document.
		"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {$ref: '#/components/pathItems/p'}\ncomponents:\n  pathItems:\n    p: {get: {operationId: fromComponents}}\n",
		"# comment\n'openapi': 3.0.0\n\"paths\":\n  /q:\n    post: {summary: quoted keys}\ninfo:\n  description: |\n    paths:\n      /not: {get: {}}\n",
		"openapi: 3.1.0\nwebhooks:\n  created: {post: {operationId: onCreate, tags: [events]}}\npaths: {}\n",
		"---\nopenapi: 3.0.0\npaths: {/d: {get: {}}}\n",
		"openapi: 3.0.0\npaths:\n  /x: {get: {}}\npaths:\n  /y: {get: {}}\n",
		"swagger: '2.0'\npaths:\n  /s/{id}: {delete: {deprecated: true, operationId: del}}\ndefinitions: {A: {type: object}}\n",
		"openapi: 3.0.0\ninfo: not a map\npaths:\n  /z: {get: {}}\n",
		"? complex\n: key\nopenapi: 3.0.0\n",
		"openapi: 3.0.0\npaths:\n\t/t: {}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sum, err := Summarize(data)
		ops, webhooks, opsErr := SummarizeOperations(data, Limits{})
		if err != nil {
			return
		}
		if opsErr != nil {
			t.Fatalf("SummarizeOperations failed where Summarize did not: %v", opsErr)
		}
		if diff := cmp.Diff(sum.Operations, ops); diff != "" {
			t.Errorf("operations (-Summarize +SummarizeOperations):\n%s", diff)
		}
		if diff := cmp.Diff(sum.Webhooks, webhooks); diff != "" {
			t.Errorf("webhooks (-Summarize +SummarizeOperations):\n%s", diff)
		}
	})
}

// TestSummarizeOperationsRefusesALargeDefinition: the search index reads
// no definition above the limit, the default one when none is set.
func TestSummarizeOperationsRefusesALargeDefinition(t *testing.T) {
	small := []byte("openapi: 3.0.0\npaths:\n  /a: {get: {}}\n")
	for _, tc := range []struct {
		name   string
		data   []byte
		limits Limits
		want   error
	}{
		{"under the limit", small, Limits{MaxBytes: int64(len(small))}, nil},
		{"over the limit", small, Limits{MaxBytes: int64(len(small)) - 1}, ErrTooLarge},
		{"over the default", append(bytes.Repeat([]byte("#\n"), DefaultMaxBytes/2), small...), Limits{}, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops, _, err := SummarizeOperations(tc.data, tc.limits)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && len(ops) != 1 {
				t.Errorf("ops = %+v, want GET /a", ops)
			}
		})
	}
}

func TestOperationSectionsKeepOnlyWhatListsOperations(t *testing.T) {
	doc := "openapi: 3.0.0\ninfo:\n  title: t\npaths:\n  /a:\n    get: {}\n\n# note\ncomponents:\n  schemas: {A: {}}\nwebhooks: {}\n"
	got, ok := operationSections([]byte(doc))
	want := "openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n\nwebhooks: {}\n"
	if !ok || string(got) != want {
		t.Errorf("operationSections = %q, %v; want %q", got, ok, want)
	}
	for _, doc := range []string{"- a\n", "{openapi: 3.0.0}\n", "---\nopenapi: 3.0.0\n", "? k\n: v\n", "a:b\n", "\ufeffopenapi: 3.0.0\n"} {
		if _, ok := operationSections([]byte(doc)); ok {
			t.Errorf("operationSections(%q) split a document it cannot", doc)
		}
	}
}
