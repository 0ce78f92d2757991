package apidocs

import (
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
)

// authorizeView is the Authorize panel of a definition, nil when it
// declares no security scheme or try-it-out is off (the values would have
// nowhere to go).
func (h *Handler) authorizeView(c *echo.Context, d *apiDef, sum *openapi.Summary) *av.AuthorizeView {
	if len(sum.SecuritySchemes) == 0 || !h.proxy.policy.Enabled {
		return nil
	}
	base := DefinitionURL(d.ref)
	return &av.AuthorizeView{
		BaseURL: base, Key: base, CSRFToken: h.opts.Page(c, "").CSRFToken,
		Schemes: schemeViews(sum.SecuritySchemes), OAuth: true,
	}
}
