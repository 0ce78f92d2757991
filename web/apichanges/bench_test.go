package apichanges

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/catalog/openapi/openapitest"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// BenchmarkChangesPageGitHub renders the Changes tab of an API whose two
// versions are GitHub's description and the same without GET /zen, the
// diff having been computed when the second version arrived. Target:
// ≤ 100 ms.
func BenchmarkChangesPageGitHub(b *testing.B) {
	old := openapitest.GitHubSpec(b)
	var doc map[string]any
	if err := json.Unmarshal(old, &doc); err != nil {
		b.Fatal(err)
	}
	delete(doc["paths"].(map[string]any), "/zen")
	rev, _ := json.Marshal(doc)
	ctx := context.Background()
	st := storetest.SQLite(b)
	hist, err := apihistory.Open(ctx, st.DB(), nil)
	if err != nil {
		b.Fatal(err)
	}
	rec := apihistory.NewRecorder(hist, st, apihistory.RecorderOptions{})
	var ids []int64
	for _, def := range [][]byte{old, rev} {
		v, _, err := hist.Record(ctx, apihistory.Version{EntityKey: "api:default/github", SpecType: "openapi"}, def)
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	if _, err := rec.DiffBetween(ctx, ids[0], ids[1]); err != nil { // as Flush does when the version arrives
		b.Fatal(err)
	}
	p := &Page{History: hist, Differ: rec,
		EntityPage: func(_ *echo.Context, _ catalog.Ref, _ string, content templ.Component) (templ.Component, error) {
			return content, nil
		}}
	e := echo.New()
	e.GET(Path, p.Serve)
	for b.Loop() {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest("GET", "/catalog/default/api/github/changes", nil))
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
		io.Copy(io.Discard, w.Body)
	}
}
