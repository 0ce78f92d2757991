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
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/views"
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

// catalogFeed is GET /apis/changes.atom: the latest versions of every API,
// or with ?owner=REF of the APIs that owner owns.
func (h *Handler) catalogFeed(c *echo.Context) error {
	if owner := c.QueryParam("owner"); owner != "" {
		return h.ownerFeed(c, owner)
	}
	entries, err := h.History.Recent(c.Request().Context(), feedLimit)
	if err != nil {
		return err
	}
	return h.writeFeed(c, "API changes", "/apis/changes.atom", "/apis", entries)
}

// maxOwnedAPIs bounds the APIs one owner's feed reads.
const maxOwnedAPIs = 2000

// ownerFeed is GET /apis/changes.atom?owner=group:default/team-a: the latest
// versions of the APIs the owner owns (the ownedBy relation, as "Owned by
// me" reads it). The kind defaults to group, the namespace to default.
func (h *Handler) ownerFeed(c *echo.Context, raw string) error {
	if h.Catalog == nil {
		return catalog.Errorf(catalog.ENOTFOUND, "per-owner feeds are not available")
	}
	owner, err := catalog.ParseRef(raw, "Group", catalog.DefaultNamespace)
	if err != nil {
		return catalog.Errorf(catalog.EINVALID, "owner=%q: want an entity ref such as group:default/team-a (%v)", raw, err)
	}
	ctx := c.Request().Context()
	apis, err := h.Catalog.List(ctx, catalog.Filter{{
		{Key: "kind", Values: []string{"api"}},
		{Key: "relations.ownedby", Values: []string{owner.Key()}},
	}}, 0, maxOwnedAPIs)
	if err != nil {
		return fmt.Errorf("list the APIs %s owns: %w", owner, err)
	}
	keys := make([]string, len(apis))
	for i, se := range apis {
		keys[i] = se.Ref.Key()
	}
	var entries []apihistory.Entry
	if len(keys) > 0 {
		if entries, err = h.History.RecentOf(ctx, keys, feedLimit); err != nil {
			return err
		}
	}
	self := "/apis/changes.atom?owner=" + url.QueryEscape(owner.String())
	return h.writeFeed(c, "API changes of "+owner.String(), self, views.EntityURL(owner.Namespace, owner.Kind, owner.Name), entries)
}

// apiFeed is GET /catalog/:namespace/api/:name/changes.atom.
func (h *Handler) apiFeed(c *echo.Context) error {
	key, tl, err := h.timeline(c)
	if err != nil {
		return err
	}
	if gone, err := h.gone(c); err != nil || gone {
		if err != nil {
			return err
		}
		// Its entries would link to the API's Changes tab, which is gone
		// with it; the versions stay readable through the REST API.
		return catalog.Errorf(catalog.ENOTFOUND, "%s is no longer in the catalog; its recorded versions are at /api/apidocs/%s/%s/versions",
			key, url.PathEscape(c.Param("namespace")), url.PathEscape(c.Param("name")))
	}
	if len(tl) > feedLimit {
		tl = tl[:feedLimit]
	}
	ref := catalog.Ref{Kind: "API", Namespace: c.Param("namespace"), Name: c.Param("name")}
	return h.writeFeed(c, "Changes of "+key, changesURL(ref)+".atom", changesURL(ref), tl)
}

func (h *Handler) writeFeed(c *echo.Context, title, self, alternate string, entries []apihistory.Entry) error {
	base := strings.TrimRight(h.BaseURL, "/")
	updated, err := h.feedUpdated(c, entries)
	if err != nil {
		return err
	}
	f := atomFeed{
		ID: base + self, Title: title, Updated: updated.Format(time.RFC3339),
		Link:   []atomLink{{Rel: "self", Href: base + self}, {Rel: "alternate", Href: base + alternate}},
		Author: atomAuthor{Name: "Portico"},
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

// feedUpdated is the feed's required updated time: its newest entry's.
// A feed with no entry yet (no API recorded, or none of an owner's) was
// last changed when the history began, which is what a feed reader keeps
// until an entry arrives; 1970 read as a bogus date, and the time of the
// request would tell the reader it changed on every poll.
func (h *Handler) feedUpdated(c *echo.Context, entries []apihistory.Entry) (time.Time, error) {
	if len(entries) > 0 {
		return entries[0].CurrentSince, nil
	}
	return h.History.Began(c.Request().Context())
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
	var cats []atomCat
	if e.Changes != nil && e.Changes.Breaking > 0 {
		title += ": breaking changes"
		cats = append(cats, atomCat{Term: "breaking"})
	}
	return atomEntry{
		ID:    "urn:portico:api-version:" + e.Hash + ":" + fmt.Sprint(e.ID),
		Title: title, Updated: e.CurrentSince.Format(time.RFC3339),
		Link: atomLink{Href: link}, Summary: summary(e), Category: cats,
	}
}

// summary says what changed in e: the counts of its diff, or why there
// are none — a diff that failed (a definition that no longer loads, a
// spec.type that changed) is not one still to come.
func summary(e apihistory.Entry) string {
	switch {
	case e.PrevID == 0:
		return "First version recorded."
	case e.Changes != nil:
		return fmt.Sprintf("%d breaking, %d potentially breaking, %d other changes.", e.Changes.Breaking, e.Changes.Warning, e.Changes.Info)
	case e.DiffError != "":
		return "A new version whose changes could not be computed: " + strings.TrimRight(e.DiffError, ".") + "."
	case !apidiff.Diffable(e.SpecType):
		return fmt.Sprintf("A new version. Its changes are not listed: Portico compares OpenAPI, AsyncAPI, GraphQL and gRPC definitions, and this one is %q.", e.SpecType)
	}
	return "A new version; its changes are not computed yet."
}

// changesURL is the Changes tab of an API.
func changesURL(ref catalog.Ref) string {
	return "/catalog/" + url.PathEscape(ref.Namespace) + "/api/" + url.PathEscape(ref.Name) + "/changes"
}
