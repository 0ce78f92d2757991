// Command badbackend is a backend whose features are broken on purpose, so
// the portico command's tests can check, on a real process, that start-up
// failures exit non-zero with one message naming the feature and leave the
// port free. Its only argument picks the failure.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/defaults"
)

func main() {
	b := portico.New(portico.WithConfigFiles(os.Args[2:]...))
	b.Add(defaults.Features()...)
	switch os.Args[1] {
	case "duplicate":
		b.Add(portico.NewPlugin("frobs", ok), portico.NewPlugin("frobs", ok))
	case "absent":
		b.Add(portico.NewModule("widgets", "frobs", func(portico.ModuleRegistrar) error { return nil }))
	case "register":
		b.Add(portico.NewModule("catalog", "frobs", func(portico.ModuleRegistrar) error {
			return errors.New("catalog.providers.frobs.baseUrl: a value is required")
		}))
	}
	if err := b.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "portico:", err)
		os.Exit(1)
	}
}

func ok(portico.PluginRegistrar) error { return nil }
