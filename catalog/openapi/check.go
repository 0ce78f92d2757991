package openapi

import (
	"context"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// CheckDefinitions returns a processor that loads every OpenAPI
// definition as the API page would and reports one that cannot be loaded
// as a problem with spec.definition. `portico validate` uses it so a
// definition the page would show as broken fails the check; ingest does
// not, because a broken definition is still worth listing.
func CheckDefinitions(limits Limits) catalog.Processor {
	return catalog.ProcessorFunc{ID: "openapi-definition", Fn: func(ctx context.Context, pc *catalog.ProcessContext) error {
		e := pc.Entity
		if !strings.EqualFold(e.Kind, "API") || e.SpecString("type") != "openapi" {
			return nil
		}
		data := e.Definition()
		if len(data) == 0 {
			return nil
		}
		if _, err := Parse(ctx, data, pc.Source.Reader, limits); err != nil {
			pc.AddProblem("spec.definition", err.Error())
		}
		return nil
	}}
}
