package apichanges

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apihistory"
)

// feedLimit is how many versions a feed lists.
const feedLimit = 50

// atomFeed and atomEntry are the parts of RFC 4287 a feed reader needs;
// encoding/xml escapes every value.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Link    []atomLink  `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID       string    `xml:"id"`
	Title    string    `xml:"title"`
	Updated  string    `xml:"updated"`
	Link     atomLink  `xml:"link"`
	Summary  string    `xml:"summary"`
	Category []atomCat `xml:"category,omitempty"`
}

type atomCat struct {
	Term string `xml:"term,attr"`
}

// catalogFeed is GET /apis/changes.atom: the latest versions of every API.
func (h *Handler) catalogFeed(c *echo.Context) error {
	entries, err := h.History.Recent(c.Request().Context(), feedLimit)
	if err != nil {
		return err
	}
	return h.writeFeed(c, "API changes", "/apis/changes.atom", "/apis", entries)
}

// apiFeed is GET /catalog/:namespace/api/:name/changes.atom.
func (h *Handler) apiFeed(c *echo.Context) error {
	key, tl, err := h.timeline(c)
	if err != nil {
		return err
	}
	if len(tl) > feedLimit {
		tl = tl[:feedLimit]
	}
	ref := catalog.Ref{Kind: "API", Namespace: c.Param("namespace"), Name: c.Param("name")}
	return h.writeFeed(c, "Changes of "+key, changesURL(ref)+".atom", changesURL(ref), tl)
}

func (h *Handler) writeFeed(c *echo.Context, title, self, alternate string, entries []apihistory.Entry) error {
	base := strings.TrimRight(h.BaseURL, "/")
	f := atomFeed{
		ID: base + self, Title: title, Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Link:   []atomLink{{Rel: "self", Href: base + self}, {Rel: "alternate", Href: base + alternate}},
		Author: atomAuthor{Name: "Portico"},
	}
	if len(entries) > 0 {
		f.Updated = entries[0].CurrentSince.Format(time.RFC3339)
	}
	for _, e := range entries {
		f.Entries = append(f.Entries, h.entry(base, e))
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	_, err = c.Response().Write(append([]byte(xml.Header), out...))
	return err
}

func (h *Handler) entry(base string, e apihistory.Entry) atomEntry {
	ref, err := catalog.ParseRef(e.EntityKey, "api", catalog.DefaultNamespace)
	if err != nil {
		ref = catalog.Ref{Kind: "API", Namespace: catalog.DefaultNamespace, Name: e.EntityKey}
	}
	link := base + changesURL(ref) + "?to=" + fmt.Sprint(e.ID)
	title := ref.String()
	if e.InfoVersion != "" {
		title += " " + e.InfoVersion
	}
	var summary string
	var cats []atomCat
	switch {
	case e.PrevID == 0:
		summary = "First version recorded."
	case e.Changes == nil:
		summary = "A new version; its changes are not computed yet."
	default:
		summary = fmt.Sprintf("%d breaking, %d potentially breaking, %d other changes.", e.Changes.Breaking, e.Changes.Warning, e.Changes.Info)
		if e.Changes.Breaking > 0 {
			title += ": breaking changes"
			cats = append(cats, atomCat{Term: "breaking"})
		}
	}
	return atomEntry{
		ID:    "urn:portico:api-version:" + e.Hash + ":" + fmt.Sprint(e.ID),
		Title: title, Updated: e.CurrentSince.Format(time.RFC3339),
		Link: atomLink{Href: link}, Summary: summary, Category: cats,
	}
}

// changesURL is the Changes tab of an API.
func changesURL(ref catalog.Ref) string {
	return "/catalog/" + url.PathEscape(ref.Namespace) + "/api/" + url.PathEscape(ref.Name) + "/changes"
}
