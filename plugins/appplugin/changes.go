package appplugin

import (
	"net/http"
	"net/url"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apihistory"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/web/apichanges"
	"github.com/porticohq/portico/web/apidocs"
)

// ChangesModule adds the Changes tab to API pages: the diff between two
// versions, breaking changes first, each operation (or AsyncAPI, GraphQL
// or gRPC item) linked to the Definition tab, a picker for any two
// versions, and the timeline. The catalog plugin's HistoryModule records
// the versions. Issue 16.
func ChangesModule() portico.Feature {
	return portico.CheckConfig(portico.NewModule(ID, "api-changes", func(r portico.ModuleRegistrar) error {
		s := r.Services()
		_, on, err := apichanges.ReadConfig(s.RootConfig)
		if err != nil || !on {
			return err
		}
		pages, err := portico.ExtensionPoint[Extensions](r)
		if err != nil {
			return err
		}
		// HistoryModule migrates the tables; this store only reads, and
		// its recorder only computes diffs asked for here.
		hist := apihistory.NewStore(s.DB, s.Clock).ReadingCurrentFrom(s.Store)
		p := &apichanges.Page{
			History:    hist,
			Differ:     apihistory.NewRecorder(hist, s.Store, apihistory.RecorderOptions{Logger: s.Logger}),
			EntityPage: pages.EntityPage,
			Catalog:    s.Store,
			OperationURL: func(ref catalog.Ref, opKey string) string {
				return apidocs.DefinitionURL(ref) + "?op=" + url.QueryEscape(opKey)
			},
			ItemURLs: apidocs.ItemURLs,
		}
		// With the Definition tab's handler, item links come from its memo
		// of the current definition instead of a parse per view.
		if x, ok := pages.(*pagesExtensions); ok && x.apidocs != nil {
			p.ItemURLs = x.apidocs.ItemURLs
		}
		// The badges, the /apis change filters and home's "APIs you consume
		// changed" belong to the app plugin's own pages.
		if x, ok := pages.(*pagesExtensions); ok {
			x.h.SetAPIChanges(hist)
		}
		pages.AddEntityTab(EntityTab{ID: "changes", Title: "Changes", Kinds: []string{"API"}})
		pages.AddRoute(http.MethodGet, apichanges.Path, p.Serve)
		return nil
	}), func(root *config.Config) error {
		_, _, err := apichanges.ReadConfig(root)
		return err
	})
}
