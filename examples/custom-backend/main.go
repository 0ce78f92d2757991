// Command custom-backend is Portico with one extra module: everything the
// portico command runs (defaults.Features) plus the frobs feature, which
// syncs components and APIs from an in-house "frobs" service, enforces a
// support-tier annotation and adds a Frobs tab to entity pages. It is the
// worked example of docs/extending.md.
//
//	go build ./examples/custom-backend && ./custom-backend --config app-config.yaml
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/defaults"
	"github.com/porticohq/portico/examples/custom-backend/frobs"
)

func main() {
	var configs configFlags
	flag.Var(&configs, "config", "config `file`; repeat it, later files override earlier ones")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b := portico.New(portico.WithConfigFiles(configs...))
	b.Add(defaults.Features()...)
	b.Add(frobs.Features()...)
	if err := b.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "custom-backend:", err)
		os.Exit(1)
	}
}

type configFlags []string

func (c *configFlags) String() string     { return strings.Join(*c, ",") }
func (c *configFlags) Set(v string) error { *c = append(*c, v); return nil }
