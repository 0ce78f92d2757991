package web

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// entityAncestry answers GET /entities/by-name/:kind/:namespace/:name/ancestry
// in Backstage's shape: {rootEntityRef, items: [{entity, parentEntityRefs}]},
// the root first. Backstage's parents are the entities whose processing
// emitted the root (a Location, and that Location's own parent, ...);
// Portico records no such parents yet, so the root is the only item and has
// none.
func (s *Server) entityAncestry(c *echo.Context) (*apiResponse, error) {
	ref := catalog.Ref{Kind: c.Param("kind"), Namespace: c.Param("namespace"), Name: c.Param("name")}
	e, err := s.Store.ByRef(c.Request().Context(), ref)
	if catalog.ErrorCode(err) == catalog.ENOTFOUND {
		return nil, notFound("No such entity %s", ref.Key())
	}
	if err != nil {
		return nil, fmt.Errorf("entity ancestry of %s: %w", ref, err)
	}
	var buf bytes.Buffer
	buf.Grow(len(e.JSON) + 96)
	buf.WriteByte('{')
	writeJSONField(&buf, "rootEntityRef", e.Ref.Key())
	buf.WriteString(`,"items":[{"entity":`)
	buf.Write(e.JSON)
	buf.WriteString(`,"parentEntityRefs":[]}]}`)
	return &apiResponse{status: http.StatusOK, body: buf.Bytes()}, nil
}
