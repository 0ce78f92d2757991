package apidocs

import (
	"net/url"
	"strings"

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
		Schemes: schemeViews(h.resolveSchemes(d, sum)), OAuth: true,
	}
}

// resolveSchemes returns the definition's security schemes with their
// OAuth2 URLs absolute (see resolveFlow), as the panel shows them and the
// portal calls them.
func (h *Handler) resolveSchemes(d *apiDef, sum *openapi.Summary) []openapi.SecurityScheme {
	server := firstServer(Targets(sum, d.entity.Metadata.Links, h.opts.BaseURL))
	out := make([]openapi.SecurityScheme, len(sum.SecuritySchemes))
	for i, s := range sum.SecuritySchemes {
		out[i] = s
		out[i].Flows = make([]openapi.OAuthFlow, len(s.Flows))
		for j, f := range s.Flows {
			out[i].Flows[j] = resolveFlow(f, server)
		}
	}
	return out
}

// firstServer is the URL relative OAuth2 URLs resolve against: the
// definition's first server, once resolved against the portal's own URL.
func firstServer(targets []Target) string {
	if len(targets) == 0 || targets[0].FromEntity {
		return ""
	}
	return targets[0].URL
}

// resolveFlow resolves a flow's relative URLs against the server, as
// OpenAPI resolves relative references against the Server Object (the
// demo Petstore's token URL is /demo-api/petstore/v1/oauth/token). The
// result is checked like any other endpoint when it is called.
func resolveFlow(f openapi.OAuthFlow, server string) openapi.OAuthFlow {
	f.TokenURL = resolveRef(server, f.TokenURL)
	f.AuthorizationURL = resolveRef(server, f.AuthorizationURL)
	f.RefreshURL = resolveRef(server, f.RefreshURL)
	return f
}

func resolveRef(base, ref string) string {
	if ref == "" || base == "" || strings.Contains(base, "{") {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil || r.IsAbs() {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil || (b.Scheme != "http" && b.Scheme != "https") || b.Host == "" {
		return ref
	}
	return b.ResolveReference(r).String()
}
