package pages

import (
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// orphanField is the annotation that marks an entity its location no
// longer emits.
const orphanField = "metadata.annotations." + catalog.AnnotationOrphan

// catalogListing describes /catalog: every kind, filtered by the usual facets.
func catalogListing() listing {
	return listing{
		Path:    "/catalog",
		Title:   "Catalog",
		Heading: "Catalog",
		Intro:   "Every component, API, system, group and user the portal knows about.",
		Nav:     views.NavCatalog,
		Facets: []facet{
			{Param: "kind", Field: "kind", Label: "Kind"},
			{Param: "type", Field: "spec.type", Label: "Type"},
			{Param: "owner", Field: "spec.owner", Label: "Owner"},
			{Param: "lifecycle", Field: "spec.lifecycle", Label: "Lifecycle"},
			{Param: "tag", Field: "metadata.tags", Label: "Tag"},
			{Param: "namespace", Field: "metadata.namespace", Label: "Namespace"},
			{Param: "orphan", Field: orphanField, Label: "Orphaned", Only: map[string]string{"true": "Orphaned entities"}},
		},
	}
}

// catalog renders /catalog.
func (h *Handler) catalog(c *echo.Context) error {
	return h.serveListing(c, catalogListing())
}
