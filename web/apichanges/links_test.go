package apichanges_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/defaults"
	"github.com/porticohq/portico/web/apichanges"
)

const structuralEntities = `apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: films}
spec: {type: graphql, lifecycle: production, owner: team-a, definition: {$text: ./films.graphql}}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: shop}
spec: {type: grpc, lifecycle: production, owner: team-a, definition: {$text: ./shop.proto}}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: signups}
spec: {type: asyncapi, lifecycle: production, owner: team-a, definition: {$text: ./signups.yaml}}
`

const filmsV1 = `type Query { films: [Film!]! }
type Film { id: ID! title: String }
enum Color { RED GREEN }
`

const filmsV2 = `type Query { films: [Film!]! film(id: ID!): Film }
type Film { id: ID! }
enum Color { RED GREEN BLUE }
type Actor { name: String }
`

const shopV1 = `syntax = "proto3";
package shop;
service Orders { rpc Get(GetRequest) returns (Order); }
message GetRequest { string id = 1; }
message Order { string id = 1; int32 total = 2; }
enum Kind { KIND_UNSPECIFIED = 0; }
`

const shopV2 = `syntax = "proto3";
package shop;
service Orders { rpc Get(GetRequest) returns (Order); rpc List(ListRequest) returns (Order); }
message GetRequest { string id = 1; }
message ListRequest { int32 limit = 1; }
message Order { string id = 1; }
enum Kind { KIND_UNSPECIFIED = 0; KIND_GIFT = 1; }
`

// Two channels whose anchors collide ("channel-user-signup"): the added
// one is de-duplicated on the Definition tab, and the link must follow.
const signupsV1 = `asyncapi: 2.6.0
info: {title: Signups, version: "1.0"}
channels:
  user/signup:
    subscribe:
      operationId: onSignup
      message: {name: Signup, payload: {type: object, properties: {id: {type: string}, email: {type: string}}}}
`

const signupsV2 = `asyncapi: 2.6.0
info: {title: Signups, version: "1.1"}
channels:
  user/signup:
    subscribe:
      operationId: onSignup
      message: {name: Signup, payload: {type: object, properties: {id: {type: string}}}}
  user.signup:
    subscribe:
      operationId: onSignupDot
      message: {name: SignupDot, payload: {type: object, properties: {id: {type: string}}}}
`

// TestStructuralChangesLinkToTheirItemsOnTheDefinitionTab edits a GraphQL,
// a gRPC and an AsyncAPI definition and follows each change group's link
// on the Changes tab: its fragment is the id of the element on the
// Definition tab (on the page the link names) that shows the changed
// type, service, message, enum, channel or operation.
func TestStructuralChangesLinkToTheirItemsOnTheDefinitionTab(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("catalog-info.yaml", structuralEntities)
	write("films.graphql", filmsV1)
	write("shop.proto", shopV1)
	write("signups.yaml", signupsV1)
	cfg, err := config.Parse("app-config.yaml", []byte(fmt.Sprintf(`
catalog:
  locations: [{type: file, target: %s}]
`, filepath.Join(dir, "catalog-info.yaml"))))
	if err != nil {
		t.Fatal(err)
	}
	b := portico.New(portico.WithConfig(cfg), portico.WithAddress("127.0.0.1:0"), portico.WithDemo(false),
		portico.WithDatabase(config.Database{Driver: config.DriverSQLite, Path: filepath.Join(t.TempDir(), "portico.db")}),
		portico.WithLogger(slog.New(slog.DiscardHandler)))
	b.Add(defaults.Features()...)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-b.Ready():
	case err := <-errc:
		errc <- nil
		t.Fatalf("Run: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("backend did not start")
	}
	base := "http://" + b.Addr().String()
	apis := []string{"films", "shop", "signups"}
	for _, name := range apis {
		waitVersionsOf(t, base, name, func(it []apichanges.VersionJSON) bool { return len(it) == 1 })
	}
	write("films.graphql", filmsV2)
	write("shop.proto", shopV2)
	write("signups.yaml", signupsV2)

	want := map[string][]string{
		"films":   {"object Query", "object Film", "enum Color", "object Actor"},
		"shop":    {"service shop.Orders", "message shop.ListRequest", "message shop.Order", "enum shop.Kind"},
		"signups": {"channel user.signup", "operation onSignup", "operation onSignupDot"},
	}
	for _, name := range apis {
		waitVersionsOf(t, base, name, func(it []apichanges.VersionJSON) bool { return len(it) == 2 && it[0].Changes != nil })
		doc := getPage(t, base+"/catalog/default/api/"+name+"/changes")
		linked := map[string]bool{}
		doc.Find(`[data-testid="diff-group"] h3`).Each(func(_ int, h3 *goquery.Selection) {
			title := strings.TrimSpace(h3.Find(`a, span:not([class*="rounded-full"])`).Last().Text())
			a := h3.Find(`a[data-testid="operation-link"]`)
			if a.Length() == 0 {
				return
			}
			linked[title] = true
			href := a.AttrOr("href", "")
			page, id, ok := strings.Cut(href, "#")
			if !ok || !strings.HasPrefix(page, "/catalog/default/api/"+name+"/definition") {
				t.Errorf("%s %q links to %q, not to an anchor on the Definition tab", name, title, href)
				return
			}
			def := getPage(t, base+page)
			el := def.Find(`[id="` + id + `"]`)
			if el.Length() != 1 {
				t.Errorf("%s %q links to %q: %d elements with id %q on %s", name, title, href, el.Length(), id, page)
				return
			}
			// The element shows the item: its name (a protobuf service or
			// type by its short name; a GraphQL root type as its section).
			_, item, _ := strings.Cut(title, " ")
			short := item[strings.LastIndex(item, ".")+1:]
			if name != "shop" {
				short = item
			}
			heading := strings.TrimSpace(el.Find(`h2, h3, h4`).First().Text())
			switch {
			case title == "object Query":
				if heading != "Queries" {
					t.Errorf("%s %q links to %q headed %q, want the Queries section", name, title, href, heading)
				}
			case !strings.Contains(heading, short):
				t.Errorf("%s %q links to %q headed %q", name, title, href, heading)
			}
		})
		for _, title := range want[name] {
			if !linked[title] {
				t.Errorf("%s: the group %q is not linked (linked: %v)", name, title, linked)
			}
		}
	}
}
