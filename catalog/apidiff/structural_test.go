package apidiff

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog/openapi"
)

// structCase is a hand-made pair: base edited by the replacements in old
// (to make the older definition) and in rev (to make the newer one),
// and the change the diff must report for it.
type structCase struct {
	name     string
	old, rev []string // pairs: from, to
	id       string
	level    Level
}

func edit(t *testing.T, base string, pairs []string) []byte {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(base, pairs[i]) {
			t.Fatalf("edit: %q not in the base definition", pairs[i])
		}
		base = strings.Replace(base, pairs[i], pairs[i+1], 1)
	}
	return []byte(base)
}

func runStructCases(t *testing.T, specType, base string, cases []structCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			from := Input{Name: "old", Data: edit(t, base, tt.old)}
			to := Input{Name: "new", Data: edit(t, base, tt.rev)}
			rep, err := Definitions(context.Background(), specType, from, to, openapi.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var got *Change
			for _, g := range rep.Groups {
				for i, c := range g.Changes {
					if c.ID == tt.id {
						got = &g.Changes[i]
					}
				}
			}
			if got == nil {
				t.Fatalf("no %s change; got %s", tt.id, dump(rep))
			}
			if got.Level != tt.level {
				t.Errorf("%s level = %s, want %s (%s)", tt.id, got.Level, tt.level, got.Text)
			}
			if rep.Has(Breaking) != (tt.level == Breaking) {
				t.Errorf("Has(Breaking) = %v for a %s change: %s", rep.Has(Breaking), tt.level, dump(rep))
			}
			same, err := Definitions(context.Background(), specType, to, to, openapi.Limits{})
			if err != nil || same.Counts.Total() != 0 {
				t.Errorf("a definition against itself: %v %s", err, dump(same))
			}
		})
	}
}

const asyncBase = `asyncapi: 3.0.0
info: {title: Users, version: "1.0"}
channels:
  userSignedUp:
    address: user/signedup
    messages:
      signedUp: {$ref: '#/components/messages/SignedUp'}
  userCommands:
    address: user/commands
    messages:
      create: {$ref: '#/components/messages/CreateUser'}
#CHANNELS
operations:
  publishSignedUp:
    action: send
    channel: {$ref: '#/channels/userSignedUp'}
    messages: [{$ref: '#/channels/userSignedUp/messages/signedUp'}]
  receiveCreate:
    action: receive
    channel: {$ref: '#/channels/userCommands'}
    messages: [{$ref: '#/channels/userCommands/messages/create'}]
#OPERATIONS
components:
  messages:
    SignedUp:
      name: SignedUp
      payload:
        type: object
        required: [id]
        properties:
          id: {type: string}
          email: {type: string}
    CreateUser:
      name: CreateUser
      payload:
        type: object
        required: [name]
        properties:
          name: {type: string}
          age: {type: integer}
`

const extraChannel = `  audit:
    address: audit
    messages:
      entry: {payload: {type: string}}
`

const extraOperation = `  sendAudit:
    action: send
    channel: {$ref: '#/channels/audit'}
`

func TestAsyncAPIClassifiesEachRule(t *testing.T) {
	runStructCases(t, TypeAsyncAPI, asyncBase, []structCase{
		{name: "channel removed", old: []string{"#CHANNELS\n", extraChannel}, id: "asyncapi-channel-removed", level: Breaking},
		{name: "channel added", rev: []string{"#CHANNELS\n", extraChannel}, id: "asyncapi-channel-added", level: Info},
		{name: "operation removed", old: []string{"#CHANNELS\n", extraChannel, "#OPERATIONS\n", extraOperation}, rev: []string{"#CHANNELS\n", extraChannel},
			id: "asyncapi-operation-removed", level: Breaking},
		{name: "operation added", old: []string{"#CHANNELS\n", extraChannel}, rev: []string{"#CHANNELS\n", extraChannel, "#OPERATIONS\n", extraOperation},
			id: "asyncapi-operation-added", level: Info},
		{name: "action changed", rev: []string{"action: send", "action: receive"}, id: "asyncapi-operation-action-changed", level: Breaking},
		{name: "channel address changed", rev: []string{"address: user/commands", "address: users/commands"}, id: "asyncapi-channel-address-changed", level: Breaking},
		{name: "message removed", old: []string{"messages: [{$ref: '#/channels/userSignedUp/messages/signedUp'}]",
			"messages: [{$ref: '#/channels/userSignedUp/messages/signedUp'}, {name: Welcome, payload: {type: string}}]"},
			id: "asyncapi-message-removed", level: Breaking},
		{name: "message added", rev: []string{"messages: [{$ref: '#/channels/userSignedUp/messages/signedUp'}]",
			"messages: [{$ref: '#/channels/userSignedUp/messages/signedUp'}, {name: Welcome, payload: {type: string}}]"},
			id: "asyncapi-message-added", level: Info},
		{name: "payload field removed", rev: []string{"          email: {type: string}\n", ""}, id: "asyncapi-field-removed", level: Breaking},
		{name: "payload field type changed", rev: []string{"age: {type: integer}", "age: {type: string}"}, id: "asyncapi-field-type-changed", level: Breaking},
		{name: "required field added to a message consumers send", rev: []string{"required: [name]", "required: [name, role]", "          age: {type: integer}\n", "          age: {type: integer}\n          role: {type: string}\n"},
			id: "asyncapi-required-field-added", level: Breaking},
		{name: "field became required in a message consumers send", rev: []string{"required: [name]", "required: [name, age]"}, id: "asyncapi-field-became-required", level: Breaking},
		{name: "required field added to a message consumers receive", rev: []string{"required: [id]", "required: [id, plan]", "          email: {type: string}\n", "          email: {type: string}\n          plan: {type: string}\n"},
			id: "asyncapi-field-added", level: Info},
		{name: "optional field added to a message consumers send", rev: []string{"          age: {type: integer}\n", "          age: {type: integer}\n          nick: {type: string}\n"},
			id: "asyncapi-field-added", level: Info},
	})
}

// TestAsyncAPIVersion2PublishIsSentByConsumers checks the 2.x reading of
// publish: the messages others publish to the application, so a new
// required field there breaks them.
func TestAsyncAPIVersion2PublishIsSentByConsumers(t *testing.T) {
	const v2 = `asyncapi: 2.6.0
info: {title: Orders, version: "1"}
channels:
  orders:
    publish:
      operationId: placeOrder
      message:
        name: Order
        payload: {type: object, properties: {id: {type: string}}}
`
	rev := strings.Replace(v2, "properties: {id: {type: string}}", "required: [qty], properties: {id: {type: string}, qty: {type: integer}}", 1)
	rep, err := AsyncAPI(Input{Name: "old", Data: []byte(v2)}, Input{Name: "new", Data: []byte(rev)})
	if err != nil {
		t.Fatal(err)
	}
	if findChange(rep, "asyncapi-required-field-added") == nil || !rep.Has(Breaking) {
		t.Fatalf("new required field in a published message not breaking: %s", dump(rep))
	}
}

const gqlBase = `type Query {
  film(id: ID!): Film
  films(first: Int): [Film!]!
}
type Mutation {
  rate(filmID: ID!, stars: Int!): Film
}
type Film implements Node {
  id: ID!
  title: String
  episode: Episode
}
interface Node { id: ID! }
enum Episode { NEWHOPE EMPIRE JEDI }
union SearchResult = Film | Person
type Person implements Node { id: ID! name: String }
input FilmFilter { title: String }
`

func TestGraphQLClassifiesEachRule(t *testing.T) {
	runStructCases(t, TypeGraphQL, gqlBase, []structCase{
		{name: "type removed", rev: []string{"union SearchResult = Film | Person\n", ""}, id: "graphql-type-removed", level: Breaking},
		{name: "type added", rev: []string{"input FilmFilter", "scalar Date\ninput FilmFilter"}, id: "graphql-type-added", level: Info},
		{name: "field removed", rev: []string{"  title: String\n", ""}, id: "graphql-field-removed", level: Breaking},
		{name: "root field removed", rev: []string{"  films(first: Int): [Film!]!\n", ""}, id: "graphql-field-removed", level: Breaking},
		{name: "field type changed", rev: []string{"title: String", "title: Int"}, id: "graphql-field-type-changed", level: Breaking},
		{name: "output field made non-null", rev: []string{"title: String", "title: String!"}, id: "graphql-field-type-changed-compatibly", level: Info},
		{name: "output field made nullable", old: []string{"title: String", "title: String!"}, id: "graphql-field-type-changed", level: Breaking},
		{name: "nullable field added", rev: []string{"  episode: Episode\n", "  episode: Episode\n  director: String\n"}, id: "graphql-field-added", level: Info},
		{name: "argument removed", rev: []string{"films(first: Int)", "films"}, id: "graphql-argument-removed", level: Breaking},
		{name: "required argument added", rev: []string{"films(first: Int)", "films(first: Int, after: String!)"}, id: "graphql-required-argument-added", level: Breaking},
		{name: "optional argument added", rev: []string{"films(first: Int)", "films(first: Int, after: String)"}, id: "graphql-argument-added", level: Info},
		{name: "required argument with a default added", rev: []string{"films(first: Int)", "films(first: Int, order: String! = \"asc\")"}, id: "graphql-argument-added", level: Info},
		{name: "argument type changed", rev: []string{"stars: Int!", "stars: Float!"}, id: "graphql-argument-type-changed", level: Breaking},
		{name: "argument made optional", rev: []string{"stars: Int!", "stars: Int"}, id: "graphql-argument-type-changed-compatibly", level: Info},
		{name: "enum value removed", rev: []string{"NEWHOPE EMPIRE JEDI", "NEWHOPE EMPIRE"}, id: "graphql-enum-value-removed", level: Breaking},
		{name: "enum value added", rev: []string{"NEWHOPE EMPIRE JEDI", "NEWHOPE EMPIRE JEDI PHANTOM"}, id: "graphql-enum-value-added", level: Warning},
		{name: "union member removed", rev: []string{"= Film | Person", "= Film"}, id: "graphql-union-member-removed", level: Breaking},
		{name: "interface removed", rev: []string{"type Film implements Node", "type Film"}, id: "graphql-interface-removed", level: Breaking},
		{name: "required input field added", rev: []string{"input FilmFilter { title: String }", "input FilmFilter { title: String year: Int! }"}, id: "graphql-required-input-field-added", level: Breaking},
		{name: "kind changed", rev: []string{"input FilmFilter { title: String }", "type FilmFilter { title: String }"}, id: "graphql-type-kind-changed", level: Breaking},
		{name: "field deprecated", rev: []string{"title: String", "title: String @deprecated(reason: \"use name\")"}, id: "graphql-field-deprecated", level: Info},
		{name: "enum value deprecated", rev: []string{"NEWHOPE EMPIRE JEDI", "NEWHOPE @deprecated EMPIRE JEDI"}, id: "graphql-enum-value-deprecated", level: Info},
	})
}

const protoBase = `syntax = "proto3";
package shop;

service Orders {
  rpc Get(GetRequest) returns (Order);
  rpc Watch(GetRequest) returns (stream Order);
}
message GetRequest { string id = 1; }
message Order {
  string id = 1;
  int32 quantity = 2;
  Status status = 3;
}
enum Status { UNKNOWN = 0; OPEN = 1; SHIPPED = 2; }
`

func TestGRPCClassifiesEachRule(t *testing.T) {
	runStructCases(t, TypeGRPC, protoBase, []structCase{
		{name: "service removed", old: []string{"enum Status", "service Audit { rpc Log(GetRequest) returns (Order); }\nenum Status"}, id: "grpc-service-removed", level: Breaking},
		{name: "service added", rev: []string{"enum Status", "service Audit { rpc Log(GetRequest) returns (Order); }\nenum Status"}, id: "grpc-service-added", level: Info},
		{name: "rpc removed", rev: []string{"  rpc Watch(GetRequest) returns (stream Order);\n", ""}, id: "grpc-rpc-removed", level: Breaking},
		{name: "rpc added", rev: []string{"  rpc Watch", "  rpc List(GetRequest) returns (stream Order);\n  rpc Watch"}, id: "grpc-rpc-added", level: Info},
		{name: "streaming changed", rev: []string{"returns (stream Order)", "returns (Order)"}, id: "grpc-rpc-streaming-changed", level: Breaking},
		{name: "request changed", rev: []string{"rpc Get(GetRequest)", "rpc Get(Order)"}, id: "grpc-rpc-request-changed", level: Breaking},
		{name: "field removed", rev: []string{"  int32 quantity = 2;\n", ""}, id: "grpc-field-removed", level: Breaking},
		{name: "field type changed", rev: []string{"int32 quantity", "int64 quantity"}, id: "grpc-field-type-changed", level: Breaking},
		{name: "field number changed", rev: []string{"int32 quantity = 2", "int32 quantity = 4"}, id: "grpc-field-number-changed", level: Breaking},
		{name: "field added", rev: []string{"  Status status = 3;\n", "  Status status = 3;\n  string note = 4;\n"}, id: "grpc-field-added", level: Info},
		{name: "field renamed", rev: []string{"int32 quantity = 2", "int32 count = 2"}, id: "grpc-field-renamed", level: Breaking},
		{name: "field number reused for another type", rev: []string{"int32 quantity = 2", "string note = 2"}, id: "grpc-field-type-changed", level: Breaking},
		{name: "message added", rev: []string{"enum Status", "message Empty {}\nenum Status"}, id: "grpc-message-added", level: Info},
		{name: "enum value removed", rev: []string{" SHIPPED = 2;", ""}, id: "grpc-enum-value-removed", level: Breaking},
		{name: "enum value added", rev: []string{"SHIPPED = 2;", "SHIPPED = 2; CANCELLED = 3;"}, id: "grpc-enum-value-added", level: Info},
		{name: "field deprecated", rev: []string{"int32 quantity = 2;", "int32 quantity = 2 [deprecated = true];"}, id: "grpc-field-deprecated", level: Info},
	})
}

// The real pairs: a published definition from the model packages'
// testdata and the same with one item removed and one added.
func TestStructuralDiffsOfRealDefinitions(t *testing.T) {
	cases := []struct {
		file      string
		specType  string
		edits     []string
		breaking  []string // change ids expected at breaking
		nonBreak  []string // and at info
		wantTotal int
	}{
		{"../asyncapi/testdata/streetlights-mqtt-3.0.yml", TypeAsyncAPI,
			[]string{"  turnOff:\n    action: send\n", "  switchOff:\n    action: send\n"},
			[]string{"asyncapi-operation-removed"}, []string{"asyncapi-operation-added"}, 2},
		{"../graphqldef/testdata/swapi.graphql", TypeGraphQL,
			[]string{"  allFilms(", "  allMovies("},
			[]string{"graphql-field-removed"}, []string{"graphql-field-added"}, 2},
		{"../grpcdef/testdata/route_guide.proto", TypeGRPC,
			[]string{"rpc RouteChat(stream RouteNote) returns (stream RouteNote) {}", "rpc RouteChat(RouteNote) returns (stream RouteNote) {}"},
			[]string{"grpc-rpc-streaming-changed"}, nil, 1},
	}
	for _, tt := range cases {
		t.Run(tt.specType, func(t *testing.T) {
			data, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			rev := edit(t, string(data), tt.edits)
			kind, err := Detect(tt.file, data)
			if err != nil || kind != tt.specType {
				t.Fatalf("Detect = %q, %v", kind, err)
			}
			rep, err := Definitions(context.Background(), "", Input{Name: "old", Data: data}, Input{Name: "new", Data: rev}, openapi.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tt.breaking {
				if g := findChange(rep, id); g == nil || g.Level != Breaking {
					t.Errorf("%s not breaking: %s", id, dump(rep))
				}
			}
			for _, id := range tt.nonBreak {
				if findChange(rep, id) == nil {
					t.Errorf("no %s: %s", id, dump(rep))
				}
			}
			if rep.Counts.Total() != tt.wantTotal {
				t.Errorf("%d changes, want %d: %s", rep.Counts.Total(), tt.wantTotal, dump(rep))
			}
			if rep.Groups[0].Level != Breaking {
				t.Errorf("breaking group not first: %s", dump(rep))
			}
		})
	}
}

func TestDetect(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"a.yaml", "openapi: 3.0.0\n", TypeOpenAPI},
		{"a.json", `{"swagger": "2.0"}`, TypeOpenAPI},
		{"a.yaml", "asyncapi: 3.0.0\n", TypeAsyncAPI},
		{"a.json", `{"info": {"title": "x", "openapi": "no"}, "asyncapi": "2.6.0"}`, TypeAsyncAPI},
		{"a.yaml", "---\n# comment\ninfo:\n  asyncapi: nested\n\"openapi\": 3.1.0\n", TypeOpenAPI},
		{"a.proto", "anything", TypeGRPC},
		{"a.txt", protoBase, TypeGRPC},
		{"https://x.example/schema.graphql?v=2", "type Query { a: Int }", TypeGraphQL},
		{"schema.txt", gqlBase, TypeGraphQL},
	}
	for _, tt := range cases {
		if got, err := Detect(tt.name, []byte(tt.data)); err != nil || got != tt.want {
			t.Errorf("Detect(%s) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := Detect("notes.md", []byte("# hello")); err == nil || !strings.Contains(err.Error(), "notes.md") {
		t.Errorf("Detect of prose: %v", err)
	}
	_, err := Definitions(context.Background(), "", Input{Name: "a.yaml", Data: []byte("openapi: 3.0.0\ninfo: {title: a, version: '1'}\npaths: {}\n")},
		Input{Name: "b.graphql", Data: []byte("type Query { a: Int }")}, openapi.Limits{})
	if err == nil || !strings.Contains(err.Error(), "one type") {
		t.Errorf("mixed types: %v", err)
	}
}

func TestDiffableTypes(t *testing.T) {
	for _, ty := range []string{"openapi", "asyncapi", "graphql", "grpc", "GraphQL"} {
		if !Diffable(ty) {
			t.Errorf("%s not diffable", ty)
		}
	}
	if Diffable("raml") {
		t.Error("raml diffable")
	}
}

// TestGRPCRenamedFieldIsOneChange: a field keeping its number under a new
// name is one rename, not a removal and an addition.
func TestGRPCRenamedFieldIsOneChange(t *testing.T) {
	from := Input{Name: "old", Data: []byte(protoBase)}
	to := Input{Name: "new", Data: edit(t, protoBase, []string{"int32 quantity = 2", "int32 count = 2"})}
	rep, err := Definitions(context.Background(), TypeGRPC, from, to, openapi.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts.Total() != 1 || len(rep.Groups) != 1 || rep.Groups[0].Changes[0].ID != "grpc-field-renamed" {
		t.Fatalf("want one grpc-field-renamed change, got %s", dump(rep))
	}
	if got := rep.Groups[0].Changes[0].Text; !strings.Contains(got, "shop.Order.quantity (number 2) to count") {
		t.Errorf("text %q", got)
	}
}
