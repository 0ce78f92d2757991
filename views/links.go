package views

import (
	"net/url"
	"strings"

	"github.com/a-h/templ"
)

// Link is a labelled internal link, e.g. to an entity page. An empty URL
// renders the label as plain text (a ref that could not be parsed).
type Link struct {
	Label string
	URL   string
}

// EntityURL is the path of an entity's page, /catalog/<namespace>/<kind>/<name>
// with the kind in lower case: the one place entity links are built.
func EntityURL(namespace, kind, name string) string {
	return "/catalog/" + url.PathEscape(namespace) + "/" + url.PathEscape(strings.ToLower(kind)) + "/" + url.PathEscape(name)
}

// ExternalLink is a link taken from entity data (metadata.links). Href is
// set only when the URL's scheme is http, https or mailto; anything else
// (javascript:, data:) is shown as text and never becomes a link.
type ExternalLink struct {
	Title string
	URL   string
	Href  templ.SafeURL
}

// SafeExternalURL checks that raw is an absolute http(s) or mailto URL and
// returns it as a templ.SafeURL. Entity files are written by many people;
// their links must not be able to run script in the portal's origin.
func SafeExternalURL(raw string) (templ.SafeURL, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return "", false
		}
	case "mailto":
		if u.Opaque == "" {
			return "", false
		}
	default:
		return "", false
	}
	return templ.SafeURL(u.String()), true
}

// NewExternalLink builds an ExternalLink, checking the URL's scheme.
func NewExternalLink(title, raw string) ExternalLink {
	l := ExternalLink{Title: title, URL: raw}
	if l.Title == "" {
		l.Title = raw
	}
	if href, ok := SafeExternalURL(raw); ok {
		l.Href = href
	}
	return l
}
