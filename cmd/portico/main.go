// Command portico runs the Portico API developer portal.
//
//	portico [serve] [--config FILE]... [--database DB]   serve the portal (the default)
//	portico validate PATH...                             check catalog descriptor files
//	portico diff OLD NEW                                 classify the changes between two OpenAPI definitions
//	portico version                                      print the version
//
// With no --config it serves the embedded demo catalog on 127.0.0.1:7007,
// keeping data in portico.db in the working directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/defaults"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd, args := command(os.Args[1:]); cmd {
	case "version":
		fmt.Println("portico", version())
	case "validate":
		os.Exit(validate(ctx, args, os.Stdout, os.Stderr))
	case "diff":
		os.Exit(diffCmd(ctx, args, os.Stdout, os.Stderr))
	default:
		opts, err := serveOptions(args, os.Getenv, os.Stderr)
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if err != nil {
			os.Exit(2) // the problem and the usage are printed
		}
		servePprof()
		b := portico.New(opts...)
		b.Add(defaults.Features()...)
		if err := b.Run(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "portico:", err)
			os.Exit(1)
		}
	}
}
