package catalogplugin

import (
	"context"
	"fmt"
	"strings"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/config"
)

// kindRules enforces catalog.rules together with per-location rules
// (catalog.locations[].rules), which the ingest pipeline's own allow-list
// cannot express. Entities are matched to their location by
// Source.OriginLocation ("<type>:<target>").
type kindRules struct {
	global   map[string]bool            // nil when every kind is allowed
	byOrigin map[string]map[string]bool // "<type>:<target>" -> kinds allowed there
}

func newKindRules(s *config.CatalogSettings) kindRules {
	k := kindRules{global: kindSet(s.AllowedKinds(nil)), byOrigin: map[string]map[string]bool{}}
	for i := range s.Locations {
		loc := &s.Locations[i]
		if len(loc.Rules) > 0 {
			k.byOrigin[loc.Type+":"+loc.Target] = kindSet(s.AllowedKinds(loc))
		}
	}
	return k
}

func kindSet(kinds []string) map[string]bool {
	if kinds == nil {
		return nil
	}
	m := make(map[string]bool, len(kinds))
	for _, k := range kinds {
		m[k] = true
	}
	return m
}

// Name identifies the step in problems.
func (k kindRules) Name() string { return "catalog-rules" }

// Process refuses an entity whose kind its location may not produce.
func (k kindRules) Process(_ context.Context, pc *catalog.ProcessContext) error {
	if pc.Provider == BootstrapProvider {
		// The Location entities stand for the config itself; rules govern
		// what is read from locations, not the locations.
		return nil
	}
	allowed := k.global
	if m, ok := k.byOrigin[pc.Source.OriginLocation]; ok {
		allowed = m
	}
	if allowed != nil && !allowed[strings.ToLower(pc.Entity.Kind)] {
		pc.AddProblem("kind", fmt.Sprintf("kind %s is not allowed by catalog.rules", pc.Entity.Kind))
	}
	return nil
}
