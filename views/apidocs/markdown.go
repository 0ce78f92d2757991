package apidocs

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/a-h/templ"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders definition text: goldmark without raw HTML, then a
// bluemonday policy narrower than UGC: text elements and links only (no
// images, so a description cannot make the browser fetch anything; no ids,
// so it cannot clobber the page's anchors), only listed attributes (hx-*,
// data-hx-* and on* never survive) and http(s)/mailto URLs.
var (
	md            = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithParserOptions(alertTransformer()))
	policy        = newPolicy()
	languageClass = regexp.MustCompile(`^language-[A-Za-z0-9_+-]+$`)
	alertClass    = regexp.MustCompile(`^markdown-alert(-title| markdown-alert-(note|tip|important|warning|caution))$`)
)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
		"blockquote", "pre", "code", "em", "strong", "b", "i", "del", "s", "sup", "sub", "kbd",
		"table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").Globally()
	p.AllowAttrs("class").Matching(languageClass).OnElements("code")
	p.AllowAttrs("class").Matching(alertClass).OnElements("blockquote", "p")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// maxMarkdownBytes bounds one rendered description.
const maxMarkdownBytes = 256 << 10

// RenderMarkdown returns sanitized HTML for Markdown from a definition.
func RenderMarkdown(src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	if len(src) > maxMarkdownBytes {
		src = src[:maxMarkdownBytes]
	}
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return policy.Sanitize(templ.EscapeString(src))
	}
	return string(policy.SanitizeBytes(buf.Bytes()))
}

// sanitized renders Markdown as a component.
func sanitized(src string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, RenderMarkdown(src))
		return err
	})
}

// safeHTTPURL returns u when it is an absolute http(s) URL, else "".
func safeHTTPURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

// mailtoURL is a mailto: link for an address that looks like one (a single
// @, no spaces, quotes or angle brackets), or "".
func mailtoURL(email string) string {
	email = strings.TrimSpace(email)
	at := strings.Index(email, "@")
	if at <= 0 || at != strings.LastIndex(email, "@") || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n\"'<>()[]\\,;:") {
		return ""
	}
	return "mailto:" + url.PathEscape(email[:at]) + "@" + url.PathEscape(email[at+1:])
}
