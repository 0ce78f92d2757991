package catalogapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// registerLocationRoutes adds Backstage's location endpoints:
//
//	GET    /locations                                 [{data: {id, type, target}}]
//	POST   /locations?dryRun=true                     {type, target} → 201 {location, entities, exists?}
//	GET    /locations/:id                             {id, type, target}
//	DELETE /locations/:id                             204
//	GET    /locations/by-entity/:kind/:namespace/:name {id, type, target}
//	POST   /locations/by-query                        {limit, query | cursor} → {items, totalItems, pageInfo}
//	PUT    /locations/:id                             {type, target} → {id, type, target}
//	POST   /refresh                                   {entityRef} → 200
//	POST   /analyze-location                          501: Portico does not analyze repositories
func (s *API) registerLocationRoutes(g *echo.Group) {
	g.GET("/locations", s.listLocations)
	g.POST("/locations", s.createLocation)
	g.POST("/locations/by-query", s.queryLocations)
	g.PUT("/locations/:id", s.updateLocation)
	g.POST("/analyze-location", analyzeNotSupported)
	g.GET("/locations/by-entity/:kind/:namespace/:name", s.locationByEntity)
	g.GET("/locations/:id", s.getLocation)
	g.DELETE("/locations/:id", s.deleteLocation)
	g.POST("/refresh", s.refreshEntity)
}

// locationItem is one element of GET /locations.
type locationItem struct {
	Data catalog.RegisteredLocation `json:"data"`
}

func (s *API) listLocations(c *echo.Context) error {
	locs := s.locations()
	if locs == nil {
		return c.JSON(http.StatusOK, []locationItem{})
	}
	list, err := locs.List(c.Request().Context())
	if err != nil {
		return err
	}
	items := make([]locationItem, len(list))
	for i, l := range list {
		items[i] = locationItem{Data: l}
	}
	return c.JSON(http.StatusOK, items)
}

func (s *API) getLocation(c *echo.Context) error {
	locs := s.locations()
	if locs == nil {
		return catalog.Errorf(catalog.ENOTFOUND, "Found no location with ID %s", c.Param("id"))
	}
	l, err := locs.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *API) locationByEntity(c *echo.Context) error {
	ref := catalog.Ref{Kind: c.Param("kind"), Namespace: c.Param("namespace"), Name: c.Param("name")}
	locs := s.locations()
	if locs == nil {
		return catalog.Errorf(catalog.ENOTFOUND, "found no entity for ref %s", ref)
	}
	l, err := locs.ByEntity(c.Request().Context(), ref)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

// maxLocationBody bounds the JSON bodies of location requests.
const maxLocationBody = 64 << 10

// locationInput is POST /locations' body; like Backstage's zod schema it
// refuses other keys.
type locationInput struct {
	Type     string `json:"type"`
	Target   string `json:"target"`
	Presence string `json:"presence,omitempty"`
}

func (s *API) createLocation(c *echo.Context) error {
	if err := s.requireWriter(c); err != nil {
		return err
	}
	var in locationInput
	if err := decodeStrict(c, &in); err != nil {
		return err
	}
	if in.Type == "" || in.Target == "" {
		return catalog.Errorf(catalog.EINVALID, "request/body must have required properties type and target")
	}
	if in.Presence != "" && in.Presence != "required" && in.Presence != "optional" {
		return catalog.Errorf(catalog.EINVALID, "request/body/presence must be required or optional")
	}
	opts := catalog.RegisterOptions{OnConflict: c.QueryParam("onConflict")}
	opts.DryRun, _ = strconv.ParseBool(c.QueryParam("dryRun"))
	if opts.OnConflict != "" && opts.OnConflict != "reject" && opts.OnConflict != "refresh" {
		return catalog.Errorf(catalog.EINVALID, "request/query/onConflict must be equal to one of the allowed values: reject, refresh")
	}
	locs := s.locations()
	if locs == nil {
		return catalog.Errorf(catalog.EINVALID, "locations cannot be registered here")
	}
	reg, err := locs.Register(c.Request().Context(), catalog.LocationSpec{Type: in.Type, Target: in.Target}, opts)
	if err != nil {
		return err
	}
	if reg.Entities == nil {
		reg.Entities = []json.RawMessage{}
	}
	return c.JSON(http.StatusCreated, reg)
}

func (s *API) deleteLocation(c *echo.Context) error {
	if err := s.requireWriter(c); err != nil {
		return err
	}
	locs := s.locations()
	if locs == nil {
		return catalog.Errorf(catalog.ENOTFOUND, "Found no location with ID %s", c.Param("id"))
	}
	if err := locs.Unregister(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *API) updateLocation(c *echo.Context) error {
	if err := s.requireWriter(c); err != nil {
		return err
	}
	var in locationInput
	if err := decodeStrict(c, &in); err != nil {
		return err
	}
	if in.Type == "" {
		in.Type = "url"
	}
	if in.Target == "" {
		return catalog.Errorf(catalog.EINVALID, "request/body must have required property target")
	}
	locs := s.locations()
	if locs == nil {
		return catalog.Errorf(catalog.ENOTFOUND, "Found no location with ID %s", c.Param("id"))
	}
	l, err := locs.Update(c.Request().Context(), c.Param("id"), catalog.LocationSpec{Type: in.Type, Target: in.Target})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

// errAnalyze answers POST /analyze-location, which Backstage serves only
// with an SCM integration that reads whole repositories.
var errAnalyze = echo.NewHTTPError(http.StatusNotImplemented,
	"analyze-location is not supported: Portico does not inspect repositories; register the URL of a catalog-info.yaml with POST /locations (try ?dryRun=true first)")

func analyzeNotSupported(*echo.Context) error { return errAnalyze }

// refreshInput is POST /refresh's body.
type refreshInput struct {
	EntityRef          string `json:"entityRef"`
	AuthorizationToken string `json:"authorizationToken,omitempty"`
}

func (s *API) refreshEntity(c *echo.Context) error {
	if err := s.requireWriter(c); err != nil {
		return err
	}
	var in refreshInput
	if err := decodeStrict(c, &in); err != nil {
		return err
	}
	ref, err := catalog.ParseRef(in.EntityRef, "", catalog.DefaultNamespace)
	if err != nil {
		return catalog.Errorf(catalog.EINVALID, "request/body/entityRef: %v", err)
	}
	locs := s.locations()
	if locs == nil {
		return catalog.Errorf(catalog.ENOTFOUND, "No entity named %s found", ref)
	}
	if err := locs.Refresh(c.Request().Context(), ref); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// decodeStrict decodes a bounded JSON body into v, refusing unknown keys
// and trailing data, with Backstage's InputError on failure.
func decodeStrict(c *echo.Context, v any) error {
	return decodeJSON(c, v, maxLocationBody, true, "request/body is not valid: %v")
}

// decodeJSON decodes one JSON value of at most limit bytes from the
// request body into v, with or without unknown fields; a body that does
// not decode is an input error with the decoder's message in malformed.
func decodeJSON(c *echo.Context, v any, limit int, strict bool, malformed string) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, int64(limit)+1))
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	if len(body) > limit {
		return inputError("request body is larger than %d bytes", limit)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return inputError(malformed, err)
	}
	if dec.More() {
		return inputError("request/body has data after the JSON value")
	}
	return nil
}
