package apidocs

import (
	"context"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
)

// hasReference reports whether an API's spec.type is shown structured by
// ReferencePage rather than as raw text.
func hasReference(typ string) bool {
	switch strings.ToLower(typ) {
	case "asyncapi", "graphql", "grpc":
		return true
	}
	return false
}

// referenceView reads an AsyncAPI, GraphQL or gRPC definition into the
// structured view; name is the file name parse errors carry. A definition
// that cannot be read gives a view with Error set.
func referenceView(ctx context.Context, typ, name string, data []byte) av.ReferenceView {
	return readReference(ctx, typ, name, data, nil)
}

// readReference is referenceView that also notes, in keys when not nil,
// the anchor id of each item (or section) under its key (see ItemAnchors).
func readReference(ctx context.Context, typ, name string, data []byte, keys itemKeys) av.ReferenceView {
	var v av.ReferenceView
	switch strings.ToLower(typ) {
	case "asyncapi":
		v = asyncAPIView(data, keys)
	case "graphql":
		v = graphQLView(name+".graphql", data, keys)
	case "grpc":
		v = grpcView(ctx, name+".proto", data, keys)
	default:
		v.Error = &av.ReferenceError{Message: "spec.type " + strconv.Quote(typ) + " has no structured view"}
	}
	paginate(&v)
	return v
}

// paginate puts the items on pages of av.ItemsPerPage, in order.
func paginate(v *av.ReferenceView) {
	v.ItemPage = map[string]int{}
	n := 0
	for _, s := range v.Sections {
		for _, it := range s.Items {
			if p := n/av.ItemsPerPage + 1; p > 1 {
				v.ItemPage[it.ID] = p
			}
			n++
		}
	}
	v.Pager = av.Pager{Page: 1, Pages: max(1, (n+av.ItemsPerPage-1)/av.ItemsPerPage), Total: n}
}

// filtered keeps the items whose name, signature or kind contains q
// (ignoring case), the first av.ItemsPerPage of them on one page.
func filtered(v av.ReferenceView, q string) av.ReferenceView {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return v
	}
	v.Filter, v.Matches = q, map[string]bool{}
	for _, s := range v.Sections {
		for _, it := range s.Items {
			text := strings.ToLower(it.Name + "\x00" + it.Signature + "\x00" + it.Kind)
			if !strings.Contains(text, q) {
				continue
			}
			if len(v.Matches) == av.ItemsPerPage {
				v.MoreMatches++
				continue
			}
			v.Matches[it.ID] = true
		}
	}
	return v
}

// atPage is the view on page p (1 when p is out of range).
func atPage(v av.ReferenceView, p int) av.ReferenceView {
	if p < 1 || p > v.Pager.Pages {
		p = 1
	}
	v.Pager.Page = p
	return v
}

// referenceTimeout bounds reading one definition into the view.
const referenceTimeout = 10 * time.Second

// reference returns the API's structured view, read on first use. It does
// not depend on a request's context, so a cancelled request does not leave
// a failed read behind for the next one.
func (d *apiDef) reference() av.ReferenceView {
	d.refOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), referenceTimeout)
		defer cancel()
		d.refKeys = itemKeys{}
		d.refView = readReference(ctx, d.typ, d.fileName(), d.data, d.refKeys)
		if d.refReads != nil {
			d.refReads.Add(1)
		}
	})
	return d.refView
}

// fileName names the definition in parse errors: the file it was read
// from ($text), without its extension, else the entity's name.
func (d *apiDef) fileName() string {
	loc := d.entity.Metadata.Annotations[catalog.AnnotationDefinitionLocation]
	if loc == "" {
		return d.ref.Name
	}
	loc = strings.TrimPrefix(strings.TrimPrefix(loc, "file:"), "url:")
	base := path.Base(strings.ReplaceAll(loc, "\\", "/"))
	if i := strings.IndexAny(base, "?#"); i >= 0 {
		base = base[:i]
	}
	if base = strings.TrimSuffix(base, path.Ext(base)); base == "" || base == "." || base == "/" {
		return d.ref.Name
	}
	return base
}

// ReferenceItem is one searchable item of an AsyncAPI, GraphQL or gRPC
// definition: an operation, a channel, a root field, a type or an RPC,
// with the anchor of its place on the Definition tab.
type ReferenceItem struct {
	Section   string // "Operations", "Queries", "Service Greeter", ...
	Kind      string // send, receive, query, mutation, rpc, object, ...
	Name      string
	Signature string
	Summary   string
	Anchor    string // appended to the Definition tab's URL: "#id" or "?page=2#id"
}

// ReferenceItems lists what operation search should index in a definition
// of spec.type typ (nil for OpenAPI and for definitions that cannot be
// read): the same items the Definition tab shows.
func ReferenceItems(ctx context.Context, typ, name string, data []byte) []ReferenceItem {
	if !hasReference(typ) {
		return nil
	}
	v := referenceView(ctx, typ, name, data)
	var out []ReferenceItem
	for _, s := range v.Sections {
		for _, it := range s.Items {
			summary := it.Summary
			if summary == "" {
				summary = firstLineOf(it.Description)
			}
			out = append(out, ReferenceItem{Section: s.Title, Kind: it.Kind, Name: it.Name, Signature: it.Signature, Summary: summary, Anchor: v.Href(it.ID)})
		}
	}
	return out
}

// itemKeys maps an item's key to its anchor id; a nil map notes nothing.
type itemKeys map[string]string

func (k itemKeys) note(key, id string) {
	if k != nil {
		k[key] = id
	}
}

// ItemAnchors maps the items of an AsyncAPI, GraphQL or gRPC definition of
// spec.type typ to their anchors on its Definition tab ("#id", or
// "?page=2#id" for an item on another page). Keys are "kind name", as
// catalog/apidiff names a structural diff's sections (Group.Section):
// "channel orders", "operation sendOrder" (AsyncAPI keys); "object Film",
// "enum Color", "object Query" for a root operation type (GraphQL type
// names); "service shop.Orders", "message shop.Order", "enum shop.Kind"
// (protobuf full names). Nil for OpenAPI and for definitions that cannot
// be read.
func ItemAnchors(ctx context.Context, typ string, data []byte) map[string]string {
	if !hasReference(typ) {
		return nil
	}
	keys := itemKeys{}
	return anchorsOf(readReference(ctx, typ, "definition", data, keys), keys)
}

// anchorsOf maps each item key noted in keys to its anchor in v.
func anchorsOf(v av.ReferenceView, keys itemKeys) map[string]string {
	if v.Error != nil {
		return nil
	}
	sections := map[string]av.RefSection{}
	for _, s := range v.Sections {
		sections[s.ID] = s
	}
	out := make(map[string]string, len(keys))
	for k, id := range keys {
		if s, ok := sections[id]; ok {
			// A section: its heading, on the page of its first item.
			if len(s.Items) == 0 {
				continue
			}
			page, _, _ := strings.Cut(v.Href(s.Items[0].ID), "#")
			out[k] = page + "#" + id
			continue
		}
		out[k] = v.Href(id)
	}
	return out
}

// ItemURLs is ItemAnchors as links to the Definition tab of the API ref.
func ItemURLs(ctx context.Context, ref catalog.Ref, typ string, data []byte) map[string]string {
	m := ItemAnchors(ctx, typ, data)
	for k, a := range m {
		m[k] = DefinitionURL(ref) + a
	}
	return m
}

func firstLineOf(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// anchors makes the page's unique, id-safe anchors.
type anchors struct{ used map[string]bool }

func newAnchors() *anchors { return &anchors{used: map[string]bool{}} }

func (a *anchors) make(prefix, name string) string {
	// Dots would read as classes in CSS selectors (the sidebar's links,
	// scripts): they become dashes too.
	base := prefix + "-" + strings.ReplaceAll(openapi.Slug(name), ".", "-")
	id := base
	for i := 2; a.used[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	a.used[id] = true
	return id
}
