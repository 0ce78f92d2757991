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
// one that cannot be is a problem too. It ends with one line on stderr that
// says what was checked, so a clean run is visibly a run. It returns the
// exit code: 0 when every file is valid, 1 when any problem was found, 2
// when no path was given.
func validate(ctx context.Context, paths []string, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: portico validate PATH...")
		return 2
	}
	c := catalog.New(nil, catalog.Options{Processors: []catalog.Processor{openapi.CheckDefinitions(openapi.Limits{})}})
	v := c.Validate(ctx, paths)
	for _, p := range v.Problems {
		fmt.Fprintln(stdout, p.Error())
	}
	fmt.Fprintln(stderr, summary(v))
	if len(v.Problems) > 0 {
		return 1
	}
	return 0
}

// summary is the last line: "checked 12 entities in 3 files from 2
// locations: no problems".
func summary(v catalog.Validation) string {
	found := "no problems"
	if n := len(v.Problems); n > 0 {
		found = plural(n, "problem")
	}
	return fmt.Sprintf("checked %s in %s from %s: %s",
		plural(v.Entities, "entity"), plural(v.Files, "file"), plural(v.Paths, "location"), found)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if noun == "entity" {
		return fmt.Sprintf("%d entities", n)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
