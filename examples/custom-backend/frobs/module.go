package frobs

import (
	"context"

	"github.com/a-h/templ"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/plugins/appplugin"
	"github.com/porticohq/portico/plugins/catalogplugin"
	"github.com/porticohq/portico/views"
)

// Features returns the frobs feature: a module of the catalog plugin and a
// module of the app plugin. A module extends exactly one plugin, so the
// entity tab, which extends the pages, is a module of its own.
func Features() []portico.Feature {
	return []portico.Feature{CatalogModule(), PagesModule()}
}

// CatalogModule adds the tier processor always, and the frobs provider when
// catalog.providers.frobs is configured: a module whose config section is
// absent adds no provider.
func CatalogModule() portico.Feature {
	return portico.NewModule(catalogplugin.ID, "frobs", func(r portico.ModuleRegistrar) error {
		cat, err := portico.ExtensionPoint[catalogplugin.Extensions](r)
		if err != nil {
			return err
		}
		cat.AddProcessor(TierProcessor{})

		s := r.Services()
		section := s.Config.Sub("providers.frobs") // the plugin's section is `catalog`
		if !section.Has("") {
			return nil
		}
		cfg, err := ParseConfig(section)
		if err != nil {
			return err
		}
		cat.AddEntityProvider(NewProvider(cfg, s.URLReader))
		s.Logger.Info("frobs provider configured", "baseUrl", cfg.BaseURL, "schedule", cfg.Schedule.String())
		return nil
	})
}

// PagesModule adds the Frobs tab to component and API pages.
func PagesModule() portico.Feature {
	return portico.NewModule(appplugin.ID, "frobs-tab", func(r portico.ModuleRegistrar) error {
		pages, err := portico.ExtensionPoint[appplugin.Extensions](r)
		if err != nil {
			return err
		}
		pages.AddEntityTab(appplugin.EntityTab{
			ID:     "frobs",
			Title:  "Frobs",
			Kinds:  []string{"Component", "API"},
			Render: renderTab,
		})
		return nil
	})
}

// renderTab builds the tab's view from the entity alone; a tab may also
// read the store (Services.Store) or call other services.
func renderTab(_ context.Context, e *catalog.Entity) (templ.Component, error) {
	v := TabView{
		Tier:    e.Metadata.Annotations[TierAnnotation],
		FrobURL: e.Metadata.Annotations[FrobAnnotation],
	}
	for _, rel := range e.Relations {
		if rel.Type != RelationSupportedBy {
			continue
		}
		ref, err := catalog.ParseRef(rel.TargetRef, "group", catalog.DefaultNamespace)
		if err != nil {
			continue
		}
		v.SupportGroup = ref.String()
		v.SupportURL = templ.SafeURL(views.EntityURL(ref.Namespace, "group", ref.Name))
	}
	return Tab(v), nil
}
