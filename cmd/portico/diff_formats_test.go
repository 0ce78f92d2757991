package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiffDetectsTheFormat: portico diff compares AsyncAPI, GraphQL and
// protobuf definitions as it does OpenAPI ones, reading the format from
// the files, with the same exit codes.
func TestDiffDetectsTheFormat(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const proto = "syntax = \"proto3\";\npackage shop;\nservice Orders {\n  rpc Get(Req) returns (Req);\n  rpc Watch(Req) returns (stream Req);\n}\nmessage Req { string id = 1; }\n"
	const sdl = "type Query {\n  film(id: ID!): String\n  films: [String]\n}\n"
	const async = "asyncapi: 3.0.0\ninfo: {title: A, version: '1'}\nchannels:\n  a: {address: a}\n  b: {address: b}\n"
	tests := []struct {
		name     string
		old, rev string
		code     int
		want     string
	}{
		{"proto rpc removed", write("old.proto", proto), write("new.proto", strings.Replace(proto, "  rpc Watch(Req) returns (stream Req);\n", "", 1)), 1, "grpc-rpc-removed"},
		{"proto unchanged, by content", write("old.txt", proto), write("same.txt", proto), 0, "0 breaking"},
		{"graphql field removed", write("old.graphql", sdl), write("new.graphql", strings.Replace(sdl, "  films: [String]\n", "", 1)), 1, "graphql-field-removed"},
		{"graphql field added", write("a.graphql", sdl), write("b.graphql", strings.Replace(sdl, "}", "  count: Int\n}", 1)), 0, "graphql-field-added"},
		{"asyncapi channel removed", write("old.yaml", async), write("new.yaml", strings.Replace(async, "  b: {address: b}\n", "", 1)), 1, "asyncapi-channel-removed"},
		{"two formats", write("x.graphql", sdl), write("x.proto", proto), 2, "only definitions of one type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runDiff(t, tt.old, tt.rev)
			if code != tt.code || !strings.Contains(out+stderr, tt.want) {
				t.Errorf("exit %d (want %d); stdout %q; stderr %q; want %q", code, tt.code, out, stderr, tt.want)
			}
		})
	}
}
