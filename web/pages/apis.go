package pages

import (
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// apiListing describes /apis, the API explorer: the catalog fixed to kind=api,
// with the columns people choose an API by.
func apiListing() listing {
	return listing{
		Path:        "/apis",
		Title:       "APIs",
		Heading:     "API explorer",
		Intro:       "Every API in the catalog, with its type, owner, lifecycle and system.",
		Nav:         views.NavAPIs,
		Fixed:       []catalog.Condition{{Key: "kind", Values: []string{"api"}}},
		APIExplorer: true,
		Facets: []facet{
			{Param: "type", Field: "spec.type", Label: "Type"},
			{Param: "owner", Field: "spec.owner", Label: "Owner"},
			{Param: "lifecycle", Field: "spec.lifecycle", Label: "Lifecycle"},
			{Param: "system", Field: "spec.system", Label: "System"},
			{Param: "tag", Field: "metadata.tags", Label: "Tag"},
			{Param: "namespace", Field: "metadata.namespace", Label: "Namespace"},
		},
	}
}

// apis renders /apis.
func (h *Handler) apis(c *echo.Context) error {
	return h.serveListing(c, apiListing())
}
