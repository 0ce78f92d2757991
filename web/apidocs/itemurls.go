package apidocs

import (
	"context"
	"strings"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
)

// ItemURLs is the package's ItemURLs answered from the handler's memo of
// API entities: when data is the definition the catalog holds for ref
// (same content hash and spec.type), the structured view the Definition
// tab reads once per entity version gives the anchors, and the links are
// kept beside it; the Changes tab links a diff's items on every view
// without reading the definition again. Any other data (the catalog has
// moved on, or the entity is gone) is read as ItemURLs reads it. The map
// returned is shared: callers must not change it.
func (h *Handler) ItemURLs(ctx context.Context, ref catalog.Ref, typ string, data []byte) map[string]string {
	if !hasReference(typ) {
		return nil
	}
	d, err := h.loadRef(ctx, ref)
	if err != nil || !strings.EqualFold(d.typ, typ) || d.hash != openapi.Hash(data) {
		h.refReads.Add(1)
		return ItemURLs(ctx, ref, typ, data)
	}
	d.urlsOnce.Do(func() {
		d.reference()
		m := anchorsOf(d.refView, d.refKeys)
		for k, a := range m {
			m[k] = DefinitionURL(d.ref) + a
		}
		d.itemURLs = m
	})
	return d.itemURLs
}

// ReferenceReads counts the AsyncAPI, GraphQL and gRPC definitions the
// handler has read into their structured view.
func (h *Handler) ReferenceReads() int64 { return h.refReads.Load() }
