package apidocs

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

const filmsSDL = "type Query {\n  film(id: ID!): Film\n}\ntype Film { id: ID\n  title: String }\nenum Color { RED }\n"

// TestItemURLsReadTheDefinitionOnce: the Changes tab asks for the item
// links of the current definition on every view; the handler answers from
// its memo of the API, so the definition is read into its view once,
// shared with the Definition tab, and the links are those the package's
// ItemURLs gives. Other text (the catalog moved on) is read each time.
func TestItemURLsReadTheDefinitionOnce(t *testing.T) {
	r := newRig(t, Options{}, testAPI{name: "films", typ: "graphql", definition: filmsSDL})
	ctx := context.Background()
	ref := catalog.Ref{Kind: "API", Namespace: "default", Name: "films"}
	want := ItemURLs(ctx, ref, "graphql", []byte(filmsSDL))
	if want["object Film"] == "" || want["enum Color"] == "" {
		t.Fatalf("the package's links: %v", want)
	}
	for view := range 3 {
		got := r.h.ItemURLs(ctx, ref, "graphql", []byte(filmsSDL))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("view %d: links differ (-package +handler):\n%s", view, diff)
		}
	}
	if n := r.h.ReferenceReads(); n != 1 {
		t.Errorf("three views read the definition %d times, want 1", n)
	}
	if rec := r.do(t, http.MethodGet, "/catalog/default/api/films/definition", nil, false); rec.Code != http.StatusOK {
		t.Fatalf("definition tab: %d", rec.Code)
	}
	if n := r.h.ReferenceReads(); n != 1 {
		t.Errorf("the Definition tab read it again: %d reads", n)
	}

	older := strings.Replace(filmsSDL, "enum Color { RED }\n", "", 1)
	if got := r.h.ItemURLs(ctx, ref, "graphql", []byte(older)); got["enum Color"] != "" || got["object Film"] == "" {
		t.Errorf("links of other text: %v", got)
	}
	if n := r.h.ReferenceReads(); n != 2 {
		t.Errorf("other text: %d reads, want 2", n)
	}
	if got := r.h.ItemURLs(ctx, ref, "openapi", []byte(filmsSDL)); got != nil {
		t.Errorf("OpenAPI: %v", got)
	}
}

// BenchmarkChangesItemURLs compares the Changes tab's item links for a
// 2,000-type GraphQL schema read on every view (the package's ItemURLs,
// as before) with the handler's memo.
func BenchmarkChangesItemURLs(b *testing.B) {
	var sdl strings.Builder
	sdl.WriteString("type Query {\n")
	for i := range 2000 {
		fmt.Fprintf(&sdl, "  t%d: T%d\n", i, i)
	}
	sdl.WriteString("}\n")
	for i := range 2000 {
		fmt.Fprintf(&sdl, "type T%d { id: ID\n  name: String\n  n: Int }\n", i)
	}
	data := []byte(sdl.String())
	r := newRig(b, Options{}, testAPI{name: "big", typ: "graphql", definition: sdl.String()})
	ref := catalog.Ref{Kind: "API", Namespace: "default", Name: "big"}
	ctx := context.Background()
	b.Run("parse per view", func(b *testing.B) {
		for b.Loop() {
			if len(ItemURLs(ctx, ref, "graphql", data)) == 0 {
				b.Fatal("no links")
			}
		}
	})
	b.Run("handler memo", func(b *testing.B) {
		for b.Loop() {
			if len(r.h.ItemURLs(ctx, ref, "graphql", data)) == 0 {
				b.Fatal("no links")
			}
		}
	})
}
