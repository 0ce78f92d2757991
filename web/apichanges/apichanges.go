// Package apichanges serves the change history of API definitions that
// catalog/apihistory records: the REST endpoints listing an API's
// versions and the classified diff between two of them.
package apichanges

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
)

// Differ returns the diff between two versions, cached or computed once.
type Differ interface {
	DiffBetween(ctx context.Context, from, to int64) (*apidiff.Report, error)
}

// Handler serves the endpoints.
type Handler struct {
	History *apihistory.Store
	Differ  Differ
	// BaseURL is the portal's public URL, for the feeds' absolute links.
	BaseURL string
	// Catalog resolves an owner's APIs for the per-owner feed and tells
	// whether an API is still in the catalog (a removed API's versions are
	// none current, and its feed is gone); nil turns the owner feed off.
	Catalog catalog.Store
}

// Register adds:
//
//	GET /api/apidocs/:namespace/:name/versions             the API's versions, current first
//	GET /api/apidocs/:namespace/:name/diff?from=ID&to=ID   classified diff (to: current; from: the version before to)
//	GET /apis/changes.atom                                  Atom feed of every API's latest versions
//	GET /apis/changes.atom?owner=group:default/team-a       Atom feed of the APIs one owner owns
//	GET /catalog/:namespace/api/:name/changes.atom          Atom feed of one API's versions
func Register(e *echo.Echo, h *Handler, mw ...echo.MiddlewareFunc) {
	g := e.Group("/api/apidocs", mw...)
	g.GET("/:namespace/:name/versions", h.versions)
	g.GET("/:namespace/:name/diff", h.diff)
	e.GET("/apis/changes.atom", h.catalogFeed, mw...)
	e.GET("/catalog/:namespace/api/:name/changes.atom", h.apiFeed, mw...)
}

// VersionJSON is one version as the API returns it.
type VersionJSON struct {
	ID           int64           `json:"id"`
	Hash         string          `json:"hash"`
	SpecType     string          `json:"specType"`
	InfoVersion  string          `json:"infoVersion,omitempty"`
	Provider     string          `json:"provider,omitempty"`
	Location     string          `json:"location,omitempty"`
	RunID        string          `json:"runId,omitempty"`    // the provider run that first saw it
	Revision     string          `json:"revision,omitempty"` // ETag or object version of location
	Size         int64           `json:"size"`
	FirstSeen    time.Time       `json:"firstSeen"`
	CurrentSince time.Time       `json:"currentSince"`
	PreviousID   int64           `json:"previousId,omitempty"`
	Current      bool            `json:"current"`
	Changes      *apidiff.Counts `json:"changes,omitempty"` // from the previous version, once computed
	// DiffError is why the changes from the previous version could not
	// be computed (a definition that does not parse, say): it tells that
	// from a diff not computed yet, which has neither it nor Changes.
	DiffError string `json:"diffError,omitempty"`
}

func versionJSON(e apihistory.Entry, current bool) VersionJSON {
	return VersionJSON{
		ID: e.ID, Hash: e.Hash, SpecType: e.SpecType, InfoVersion: e.InfoVersion,
		Provider: e.Provider, Location: e.Location, RunID: e.RunID, Revision: e.Revision, Size: e.Size,
		FirstSeen: e.FirstSeen, CurrentSince: e.CurrentSince, PreviousID: e.PrevID,
		Current: current, Changes: e.Changes, DiffError: e.DiffError,
	}
}

func apiKey(c *echo.Context) string {
	return catalog.Ref{Kind: "API", Namespace: c.Param("namespace"), Name: c.Param("name")}.Key()
}

func (h *Handler) timeline(c *echo.Context) (string, []apihistory.Entry, error) {
	key := apiKey(c)
	tl, err := h.History.Timeline(c.Request().Context(), key)
	if err != nil {
		return key, nil, err
	}
	if len(tl) == 0 {
		return key, nil, catalog.Errorf(catalog.ENOTFOUND, "no versions of %s are recorded", key)
	}
	return key, tl, nil
}

// gone reports whether the route's API has left the catalog (deleted, or
// dropped by its location): its versions are kept, but none is current
// and its pages are gone. Without a catalog to ask, it is not gone.
func (h *Handler) gone(c *echo.Context) (bool, error) {
	if h.Catalog == nil {
		return false, nil
	}
	ref := catalog.Ref{Kind: "API", Namespace: c.Param("namespace"), Name: c.Param("name")}
	_, err := h.Catalog.ByRef(c.Request().Context(), ref)
	if catalog.ErrorCode(err) == catalog.ENOTFOUND {
		return true, nil
	}
	return false, err
}

func (h *Handler) versions(c *echo.Context) error {
	_, tl, err := h.timeline(c)
	if err != nil {
		return err
	}
	gone, err := h.gone(c)
	if err != nil {
		return err
	}
	items := make([]VersionJSON, len(tl))
	for i, e := range tl {
		items[i] = versionJSON(e, i == 0 && !gone)
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

// DiffJSON is the diff endpoint's answer.
type DiffJSON struct {
	From VersionJSON `json:"from"`
	To   VersionJSON `json:"to"`
	*apidiff.Report
}

func (h *Handler) diff(c *echo.Context) error {
	key, tl, err := h.timeline(c)
	if err != nil {
		return err
	}
	to, err := pick(tl, c.QueryParam("to"), tl[0].ID, "to")
	if err != nil {
		return err
	}
	from, err := pick(tl, c.QueryParam("from"), tl[to].PrevID, "from")
	if err != nil {
		return err
	}
	if from < 0 {
		return catalog.Errorf(catalog.EINVALID, "version %d of %s is the first recorded: name another with from=", tl[to].ID, key)
	}
	rep, err := h.Differ.DiffBetween(c.Request().Context(), tl[from].ID, tl[to].ID)
	if err != nil {
		return err
	}
	gone, err := h.gone(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, DiffJSON{From: versionJSON(tl[from], from == 0 && !gone), To: versionJSON(tl[to], to == 0 && !gone), Report: rep})
}

// pick finds the timeline index of the version named by param (a version
// id), or of def when param is empty; -1 when def is 0 (no such version).
func pick(tl []apihistory.Entry, param string, def int64, name string) (int, error) {
	id := def
	if param != "" {
		n, err := strconv.ParseInt(param, 10, 64)
		if err != nil || n <= 0 {
			return 0, catalog.Errorf(catalog.EINVALID, "%s=%q: want a version id", name, param)
		}
		id = n
	} else if id == 0 {
		return -1, nil
	}
	for i, e := range tl {
		if e.ID == id {
			return i, nil
		}
	}
	return 0, catalog.Errorf(catalog.ENOTFOUND, "%s=%d: no such version of this API", name, id)
}
