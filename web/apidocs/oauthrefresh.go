package apidocs

import (
	"cmp"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog/openapi"
)

// oauthRefresh trades a refresh token for a new access token (RFC 6749
// section 6) at the flow's refreshUrl, else its tokenUrl, through the
// proxy like every token request. The browser asks when the access token
// it holds has expired; it sends the refresh token it was given and the
// client ID (and the secret, for a confidential client, when the person
// still has it in the panel). The portal keeps nothing.
func (h *Handler) oauthRefresh(c *echo.Context) error {
	flow := c.Request().URL.Query().Get("flow")
	if flow != "authorizationCode" {
		flow = "clientCredentials"
	}
	t, msg, err := h.readTokenRequest(c, flow)
	if err != nil {
		return err
	}
	if msg != "" {
		return answer(c, tokenAnswer{Error: msg})
	}
	d, s, f, posted := t.d, t.s, t.f, t.form
	refresh := posted.Get("refresh_token")
	id := strings.TrimSpace(posted.Get("client_id"))
	switch {
	case refresh == "":
		return answer(c, tokenAnswer{Error: "There is no refresh token: authorize again."})
	case id == "":
		return answer(c, tokenAnswer{Error: "Enter the client ID."})
	case strings.ContainsAny(refresh, "\x00\r\n"):
		return answer(c, tokenAnswer{Error: "The refresh token is not valid: authorize again."})
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	if sc := scopes(posted["scope"], f); sc != "" {
		form.Set("scope", sc)
	}
	a := h.requestToken(c, d, s.Name, refreshURL(f), form, id, posted.Get("client_secret"))
	if a.Error != "" {
		a.Error = "Refreshing the token failed: " + strings.TrimSuffix(strings.TrimPrefix(a.Error, "The token request failed: "), ".") + ". Authorize again."
	}
	if a.RefreshToken == "" && a.Error == "" {
		// The server may keep the refresh token it gave before.
		a.RefreshToken = refresh
	}
	return answer(c, a)
}

// refreshURL is where a flow's tokens are refreshed.
func refreshURL(f openapi.OAuthFlow) string { return cmp.Or(f.RefreshURL, f.TokenURL) }

// refreshPath is the refresh route of a scheme's flow, for the panel.
func refreshPath(base, scheme, flow string) string {
	return base + "/oauth/" + url.PathEscape(scheme) + "/refresh?flow=" + url.QueryEscape(flow)
}
