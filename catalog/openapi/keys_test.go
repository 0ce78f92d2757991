package openapi

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// opSpec builds an OpenAPI 3.0 document with one GET per path, in the given
// order of paths (keys are handed out in sorted path order).
func opSpec(ops [][2]string) []byte {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{`)
	for i, op := range ops {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `%q:{"get":{"operationId":%q,"responses":{"200":{"description":"ok"}}}}`, op[0], op[1])
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

var safeKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func TestOperationKeysAreUniqueAndURLSafe(t *testing.T) {
	tests := []struct {
		name string
		ops  [][2]string // path, operationId
		want []string    // keys in sorted path order
	}{
		{"suffix then literal", [][2]string{{"/a", "foo"}, {"/b", "foo"}, {"/c", "foo-2"}}, []string{"foo", "foo-2", "foo-2-2"}},
		{"literal then suffix", [][2]string{{"/a", "foo-2"}, {"/b", "foo"}, {"/c", "foo"}}, []string{"foo-2", "foo", "foo-3"}},
		{"three repeats", [][2]string{{"/a", "x"}, {"/b", "x"}, {"/c", "x"}, {"/d", "x-3"}}, []string{"x", "x-2", "x-3", "x-3-2"}},
		{"dot dot", [][2]string{{"/pets", ".."}}, []string{"get-pets"}},
		{"only dots", [][2]string{{"/a", "."}, {"/b", "..."}, {"/c", "/../"}}, []string{"get-a", "get-b", "get-c"}},
		{"fallback collides with an operationId", [][2]string{{"/a", "get-x"}, {"/x", ""}}, []string{"get-x", "get-x-2"}},
		{"dots inside stay", [][2]string{{"/a", "repos.get"}}, []string{"repos.get"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := opSpec(tt.ops)
			sum, err := Summarize(data)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range sum.Operations {
				got = append(got, o.Key)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("keys = %q, want %q", got, tt.want)
			}
			def, err := Parse(context.Background(), data, nil, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(def.Keys()) != len(tt.ops) {
				t.Errorf("Parse indexes %d keys, want %d", len(def.Keys()), len(tt.ops))
			}
			for _, o := range sum.Operations {
				if !safeKey.MatchString(o.Key) || onlyDots(o.Key) {
					t.Errorf("key %q is not safe in /op/{key}", o.Key)
				}
				op, ok := def.Operation(o.Key)
				if !ok || op.Path != o.Path || op.Method != o.Method {
					t.Errorf("key %q: details %+v, want %s %s", o.Key, op, o.Method, o.Path)
				}
			}
		})
	}
}

func TestPathItemRefsAreListed(t *testing.T) {
	tests := []struct {
		name string
		spec string
		want []string // "METHOD path key"
	}{
		{
			"json paths ref",
			`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{
			  "/a":{"$ref":"#/paths/~1b","post":{"operationId":"postA","responses":{"200":{"description":"ok"}}}},
			  "/b":{"get":{"operationId":"getB","responses":{"200":{"description":"ok"}}}}}}`,
			[]string{"GET /a getB", "POST /a postA", "GET /b getB-2"},
		},
		{
			"yaml components pathItems",
			"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    $ref: '#/components/pathItems/Pets'\ncomponents:\n  pathItems:\n    Pets:\n      get:\n        operationId: listPets\n        responses:\n          '200': {description: ok}\n      delete:\n        responses:\n          '204': {description: gone}\n",
			[]string{"GET /pets listPets", "DELETE /pets delete-pets"},
		},
		{
			"broken ref keeps the rest",
			`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{
			  "/a":{"$ref":"#/nowhere"},
			  "/b":{"get":{"operationId":"getB","responses":{"200":{"description":"ok"}}}}}}`,
			[]string{"GET /b getB"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := Summarize([]byte(tt.spec))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range sum.Operations {
				got = append(got, o.Method+" "+o.Path+" "+o.Key)
			}
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("operations = %q, want %q", got, tt.want)
			}
			if strings.HasPrefix(tt.name, "broken") {
				return // kin-openapi refuses the document; the listing is what matters
			}
			def, err := Parse(context.Background(), []byte(tt.spec), nil, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if len(def.Keys()) != len(tt.want) {
				t.Errorf("Parse indexes %v, want %d operations", def.Keys(), len(tt.want))
			}
			for _, o := range sum.Operations {
				op, ok := def.Operation(o.Key)
				if !ok || op.Path != o.Path || op.Method != o.Method {
					t.Errorf("key %q: details %+v, want %s %s", o.Key, op, o.Method, o.Path)
				}
			}
		})
	}
}
