package apidiff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
)

// Spec types the package diffs, as spec.type names them.
const (
	TypeOpenAPI  = "openapi"
	TypeAsyncAPI = "asyncapi"
	TypeGraphQL  = "graphql"
	TypeGRPC     = "grpc"
)

// Diffable reports whether definitions of spec type t are diffed.
func Diffable(t string) bool {
	switch strings.ToLower(t) {
	case TypeOpenAPI, TypeAsyncAPI, TypeGraphQL, TypeGRPC:
		return true
	}
	return false
}

// Definitions diffs two definitions of spec type specType (spec.type:
// openapi, asyncapi, graphql or grpc); an empty specType is detected from
// the newer definition (see Detect). OpenAPI goes to oasdiff; the other
// types get a structural diff of the model the Definition tab renders.
func Definitions(ctx context.Context, specType string, from, to Input, limits openapi.Limits) (*Report, error) {
	if specType == "" {
		var err error
		if specType, err = Detect(to.Name, to.Data); err != nil {
			return nil, err
		}
		if old, err := Detect(from.Name, from.Data); err == nil && old != specType {
			return nil, catalog.Errorf(catalog.EINVALID, "%s is %s and %s is %s: only definitions of one type can be compared", from.Name, old, to.Name, specType)
		}
	}
	switch strings.ToLower(specType) {
	case TypeOpenAPI:
		return OpenAPI(ctx, from, to, limits)
	case TypeAsyncAPI:
		return AsyncAPI(from, to)
	case TypeGraphQL:
		return GraphQL(from, to)
	case TypeGRPC:
		return GRPC(ctx, from, to)
	}
	return nil, catalog.Errorf(catalog.EINVALID, "%q definitions are not diffed (openapi, asyncapi, graphql and grpc are)", specType)
}

var protoHint = regexp.MustCompile(`(?m)^\s*(syntax|edition)\s*=\s*["']|^\s*(service|message|package)\s+[A-Za-z_][\w.]*\s*[{;]`)

// Detect names the spec type of a definition read from a file or URL:
// by extension (.proto, .graphql, .gql), else by content (a YAML or JSON
// document with an openapi, swagger or asyncapi field, proto syntax, or
// else GraphQL SDL). The error says what to do.
func Detect(name string, data []byte) (string, error) {
	switch strings.ToLower(path.Ext(strings.SplitN(name, "?", 2)[0])) {
	case ".proto":
		return TypeGRPC, nil
	case ".graphql", ".graphqls", ".gql":
		return TypeGraphQL, nil
	}
	if t := documentType(data); t != "" {
		return t, nil
	}
	if protoHint.Match(data) {
		return TypeGRPC, nil
	}
	if looksLikeSDL(data) {
		return TypeGraphQL, nil
	}
	return "", catalog.Errorf(catalog.EINVALID, "%s: not an OpenAPI, AsyncAPI, GraphQL or protobuf definition (name it .proto or .graphql, or give an openapi or asyncapi field)", name)
}

// yamlTopKey matches an openapi, swagger or asyncapi key at the top level
// of a YAML document (column 0).
var yamlTopKey = regexp.MustCompile(`(?m)^["']?(openapi|swagger|asyncapi)["']?[ \t]*:`)

// documentType reads the openapi, swagger or asyncapi field of a JSON or
// YAML document without decoding all of it (GitHub's 11 MB description
// took 7 s through a YAML decoder): a JSON object's top-level keys are
// walked, its values skipped; YAML's are the keys at column 0.
func documentType(data []byte) string {
	trimmed := bytes.TrimSpace(data)
	name := ""
	if bytes.HasPrefix(trimmed, []byte("{")) {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		if _, err := dec.Token(); err != nil {
			return ""
		}
		for dec.More() {
			tok, err := dec.Token()
			key, ok := tok.(string)
			if err != nil || !ok {
				return ""
			}
			if key == "openapi" || key == "swagger" || key == "asyncapi" {
				name = key
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return ""
			}
		}
	} else if m := yamlTopKey.FindSubmatch(data); m != nil {
		name = string(m[1])
	}
	switch name {
	case "openapi", "swagger":
		return TypeOpenAPI
	case "asyncapi":
		return TypeAsyncAPI
	}
	return ""
}

var sdlHint = regexp.MustCompile(`(?m)^\s*(extend\s+)?(type|schema|interface|enum|input|union|scalar|directive)\b`)

func looksLikeSDL(data []byte) bool {
	return !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")) && sdlHint.Match(data)
}

// changes collects a structural diff's changes by section ("channel x",
// "type Film", "service pkg.Greeter") and builds a Report from them.
type changes struct {
	groups []Group
	index  map[string]int
	counts Counts
}

func (c *changes) add(section, id string, level Level, format string, args ...any) {
	if c.index == nil {
		c.index = map[string]int{}
	}
	i, ok := c.index[section]
	if !ok {
		i = len(c.groups)
		c.index[section] = i
		c.groups = append(c.groups, Group{Section: section, Level: Info})
	}
	g := &c.groups[i]
	g.Changes = append(g.Changes, Change{ID: id, Level: level, Text: fmt.Sprintf(format, args...)})
	if level.rank() > g.Level.rank() {
		g.Level = level
	}
	c.counts.add(level)
}

func (c *changes) report(fromVersion, toVersion string) *Report {
	r := &Report{FromVersion: fromVersion, ToVersion: toVersion, Counts: c.counts, Groups: c.groups}
	if r.Groups == nil {
		r.Groups = []Group{}
	}
	sortGroups(r.Groups)
	return r
}

// byKey indexes items by key, keeping the first of duplicates, and returns
// the keys in order.
func byKey[T any](items []T, key func(T) string) (map[string]T, []string) {
	m := make(map[string]T, len(items))
	var order []string
	for _, it := range items {
		k := key(it)
		if _, dup := m[k]; dup {
			continue
		}
		m[k] = it
		order = append(order, k)
	}
	return m, order
}

// walk calls removed for keys of a only, added for keys of b only (in b's
// order), and both for keys in each.
func walk[T any](a, b []T, key func(T) string, removed, added func(T), both func(x, y T)) {
	am, aorder := byKey(a, key)
	bm, border := byKey(b, key)
	for _, k := range aorder {
		y, ok := bm[k]
		switch {
		case !ok:
			removed(am[k])
		case both != nil:
			both(am[k], y)
		}
	}
	for _, k := range border {
		if _, ok := am[k]; !ok {
			added(bm[k])
		}
	}
}
