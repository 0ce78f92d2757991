package grpcdef

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func parseFile(t *testing.T, name string) *File {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(context.Background(), name, data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseHelloWorldReadsServiceRPCAndComments(t *testing.T) {
	f := parseFile(t, "helloworld.proto")
	if f.Package != "helloworld" || f.Syntax != "proto3" || len(f.Services) != 1 {
		t.Fatalf("file: %+v", f)
	}
	s := f.Services[0]
	if s.Name != "Greeter" || s.Comment != "The greeting service definition." {
		t.Errorf("service: %+v", s)
	}
	want := []Method{{Name: "SayHello", Comment: "Sends a greeting", Input: "helloworld.HelloRequest", Output: "helloworld.HelloReply"}}
	if diff := cmp.Diff(want, s.Methods); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}
	if len(f.Messages) != 2 || f.Messages[0].Name != "HelloRequest" || f.Messages[0].Comment != "The request message containing the user's name." {
		t.Errorf("messages: %+v", f.Messages)
	}
	if diff := cmp.Diff([]Field{{Name: "name", Number: 1, Type: "string"}}, f.Messages[0].Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestParseRouteGuideMarksStreaming(t *testing.T) {
	f := parseFile(t, "route_guide.proto")
	var got []string
	for _, m := range f.Services[0].Methods {
		got = append(got, m.Name+" "+map[bool]string{true: "stream"}[m.ClientStreaming]+">"+map[bool]string{true: "stream"}[m.ServerStreaming])
	}
	want := []string{"GetFeature >", "ListFeatures >stream", "RecordRoute stream>", "RouteChat stream>stream"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("streaming (-want +got):\n%s", diff)
	}
	var feature *Message
	for i := range f.Messages {
		if f.Messages[i].Name == "Feature" {
			feature = &f.Messages[i]
		}
	}
	if feature == nil || feature.Fields[1].Type != "routeguide.Point" || feature.Fields[1].TypeRef != "routeguide.Point" {
		t.Errorf("Feature: %+v", feature)
	}
}

func TestParseReadsNestedMapsEnumsOneofsWellKnownImportsAndDeprecation(t *testing.T) {
	src := `syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
import "google/protobuf/empty.proto";
service Orders {
  option deprecated = true;
  rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty) { option deprecated = true; }
}
// An order.
message Order {
  // Its state.
  enum State { STATE_UNSPECIFIED = 0; OPEN = 1 [deprecated = true]; }
  message Line { string sku = 1; }
  State state = 1;
  repeated Line lines = 2;
  map<string, Line> by_sku = 3;
  google.protobuf.Timestamp at = 4;
  oneof pay { string card = 5; string iban = 6; }
  optional int32 note = 7 [deprecated = true];
}
`
	f, err := Parse(context.Background(), "shop.proto", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Services[0].Deprecated || !f.Services[0].Methods[0].Deprecated || f.Services[0].Methods[0].Input != "google.protobuf.Empty" {
		t.Errorf("service: %+v", f.Services[0])
	}
	var names []string
	for _, m := range f.Messages {
		names = append(names, m.Name)
	}
	if diff := cmp.Diff([]string{"Order", "Order.Line"}, names); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	var types []string
	for _, fl := range f.Messages[0].Fields {
		types = append(types, fl.Name+":"+fl.Type+":"+fl.Oneof)
	}
	want := []string{"state:shop.v1.Order.State:", "lines:repeated shop.v1.Order.Line:", "by_sku:map<string, shop.v1.Order.Line>:", "at:google.protobuf.Timestamp:", "card:string:pay", "iban:string:pay", "note:optional int32:"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if !f.Messages[0].Fields[6].Deprecated {
		t.Error("note should be deprecated")
	}
	if len(f.Enums) != 1 || f.Enums[0].Name != "Order.State" || f.Enums[0].Comment != "Its state." || !f.Enums[0].Values[1].Deprecated {
		t.Errorf("enums: %+v", f.Enums)
	}
}

func TestParseErrorsNameFileAndPosition(t *testing.T) {
	for name, tc := range map[string]struct {
		src  string
		want string
	}{
		"syntax":         {"syntax = \"proto3\";\nmessage A {\n  string a = ;\n}\n", "api.proto:3:"},
		"missing import": {"syntax = \"proto3\";\nimport \"acme/common.proto\";\nmessage A {}\n", `api.proto:2:8: import "acme/common.proto" is not available: a definition is one file, and only the standard google/protobuf imports resolve`},
		"unknown type":   {"syntax = \"proto3\";\nmessage A {\n  Missing m = 1;\n}\n", "api.proto:3:3:"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(context.Background(), "api.proto", []byte(tc.src))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("want *Error, got %v", err)
			}
			if !strings.HasPrefix(pe.Error(), tc.want) {
				t.Errorf("error %q does not start with %q", pe.Error(), tc.want)
			}
		})
	}
}
