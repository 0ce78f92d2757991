package catalogapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// entityAncestry answers GET /entities/by-name/:kind/:namespace/:name/ancestry
// in Backstage's shape: {rootEntityRef, items: [{entity, parentEntityRefs}]},
// the root first, then the Location entities that emitted it, generation by
// generation (catalog.Ancestry).
func (s *API) entityAncestry(c *echo.Context) (*apiResponse, error) {
	ref := catalog.Ref{Kind: c.Param("kind"), Namespace: c.Param("namespace"), Name: c.Param("name")}
	items, err := catalog.Ancestry(c.Request().Context(), s.Store, ref)
	if catalog.ErrorCode(err) == catalog.ENOTFOUND {
		return nil, notFound("No such entity %s", ref.Key())
	}
	if err != nil {
		return nil, fmt.Errorf("entity ancestry of %s: %w", ref, err)
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	writeJSONField(&buf, "rootEntityRef", items[0].Entity.Ref.Key())
	buf.WriteString(`,"items":[`)
	for i, it := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"entity":`)
		buf.Write(it.Entity.JSON)
		buf.WriteString(`,"parentEntityRefs":[`)
		for j, p := range it.Parents {
			if j > 0 {
				buf.WriteByte(',')
			}
			b, _ := json.Marshal(p.Key())
			buf.Write(b)
		}
		buf.WriteString("]}")
	}
	buf.WriteString("]}")
	return &apiResponse{status: http.StatusOK, body: buf.Bytes()}, nil
}
