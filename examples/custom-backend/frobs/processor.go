package frobs

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// Tiers are the support tiers a component may declare.
var Tiers = []string{"1", "2", "3"}

// Relation types the tier processor emits: component → its tier's support
// team, and back.
const (
	RelationSupportedBy = "supportedBy"
	RelationSupports    = "supports"
)

// TierProcessor requires every component, from any source, to declare its
// support tier in the company.example/tier annotation, and relates the
// component to the group that supports that tier (group:default/tier-<n>-support).
//
// A processor is the right tool here, not a provider: the rule applies to
// entities whatever their source (files, 3scale, S3, frobs), and it runs at
// ingest, so a component that breaks it is refused with a clear problem and
// keeps its last good version.
type TierProcessor struct{}

// Name identifies the processor in problems and logs.
func (TierProcessor) Name() string { return "frobs-tier" }

// Process checks one entity on its way into the catalog.
func (TierProcessor) Process(_ context.Context, pc *catalog.ProcessContext) error {
	if !strings.EqualFold(pc.Entity.Kind, "Component") {
		return nil
	}
	tier, ok := pc.Entity.Metadata.Annotations[TierAnnotation]
	field := "metadata.annotations." + TierAnnotation
	switch {
	case !ok || tier == "":
		pc.AddProblem(field, "every component must declare its support tier (1, 2 or 3)")
		return nil
	case !slices.Contains(Tiers, tier):
		pc.AddProblem(field, "unknown support tier "+strconv.Quote(tier)+" (use 1, 2 or 3)")
		return nil
	}
	target := catalog.Ref{Kind: "Group", Namespace: catalog.DefaultNamespace, Name: "tier-" + tier + "-support"}
	pc.AddRelation(RelationSupportedBy, target, RelationSupports)
	return nil
}
