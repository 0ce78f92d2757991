package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/config"
)

// buildVersion is set at link time: -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion = ""

// version is the link-time version, else the module version or VCS
// revision Go recorded in the binary, else "dev".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}

// command splits the sub-command from its arguments; serve is the default,
// so `portico --config app-config.yaml` serves.
func command(args []string) (string, []string) {
	if len(args) > 0 {
		switch args[0] {
		case "serve", "validate", "diff", "version":
			return args[0], args[1:]
		case "help", "-h", "-help", "--help":
			return "serve", []string{"-h"}
		}
	}
	return "serve", args
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// serveOptions parses serve's flags into backend options. The database can
// also be forced with PORTICO_DATABASE (the flag wins), e.g. to run on the
// embedded SQLite with a Backstage app-config.yaml that names PostgreSQL.
func serveOptions(args []string, getenv func(string) string, stderr io.Writer) ([]portico.Option, error) {
	fs := flag.NewFlagSet("portico serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var configs stringList
	fs.Var(&configs, "config", "config `file` (app-config.yaml); repeat it: later files override earlier ones")
	database := fs.String("database", getenv("PORTICO_DATABASE"),
		"replace backend.database: sqlite:`FILE`, sqlite::memory: or postgres://user@host:5432/db (default $PORTICO_DATABASE)")
	listen := fs.String("listen", getenv("PORTICO_LISTEN"), "replace backend.listen, e.g. 127.0.0.1:7007 (default $PORTICO_LISTEN)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: portico [serve] [--config FILE]... [--database DB] [--listen ADDR]")
		fmt.Fprintln(stderr, "       portico validate PATH...")
		fmt.Fprintln(stderr, "       portico diff [--fail-on breaking|warning|any|none] [--format text|json] OLD NEW")
		fmt.Fprintln(stderr, "       portico version")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fs.Arg(0))
		fmt.Fprintln(stderr, "portico:", err)
		fs.Usage()
		return nil, err
	}
	opts := []portico.Option{portico.WithConfigFiles(configs...), portico.WithMemoryLimit()}
	if *database != "" {
		db, err := config.ParseDatabase(*database)
		if err != nil {
			fmt.Fprintln(stderr, "portico: --database:", err)
			return nil, err
		}
		opts = append(opts, portico.WithDatabase(db))
	}
	if *listen != "" {
		opts = append(opts, portico.WithAddress(*listen))
	}
	return opts, nil
}
