package main

import (
	"context"
	"fmt"
	"io"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/openapi"
)

// validate checks descriptor files (or directories of them) the way ingest
// would and prints one line per problem: file, document, entity, field and
// reason. OpenAPI definitions are loaded as the API page loads them, and
// one that cannot be is a problem too. It returns the exit code: 0 when every file is valid, 1 when any
// problem was found, 2 when no path was given.
func validate(ctx context.Context, paths []string, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: portico validate PATH...")
		return 2
	}
	c := catalog.New(nil, catalog.Options{Processors: []catalog.Processor{openapi.CheckDefinitions(openapi.Limits{})}})
	problems := c.ValidateFiles(ctx, paths)
	for _, p := range problems {
		fmt.Fprintln(stdout, p.Error())
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "portico validate: %d problem(s)\n", len(problems))
		return 1
	}
	return 0
}
