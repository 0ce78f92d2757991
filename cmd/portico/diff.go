package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/egress"
	"github.com/porticohq/portico/catalog/openapi"
)

const diffUsage = `usage: portico diff [flags] OLD NEW
       portico diff [flags] --entity api:NAMESPACE/NAME --against FILE --server URL

Compares two OpenAPI, AsyncAPI, GraphQL or protobuf (gRPC) definitions
(files or http(s) URLs; the format is read from the extension or the
content), prints each change
classified as breaking, warning (potentially breaking) or info, breaking
first, and exits 1 when a change reaches --fail-on, 2 on a usage or read
error, else 0. With --entity, OLD is the definition the portal at --server
holds for that API (read through its REST API) and NEW is --against.`

// diffFlags are portico diff's options.
type diffFlags struct {
	failOn, format  string
	entity, against string
	server          string
	allowAddresses  stringList
	positional      []string
}

// diffCmd runs `portico diff` and returns its exit code.
func diffCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseDiffFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "portico diff:", err)
		return 2
	}
	urls, err := f.urlReader()
	if err != nil {
		fmt.Fprintln(stderr, "portico diff: --allow-address:", err)
		return 2
	}
	var from, to apidiff.Input
	if f.entity != "" {
		from, err = readEntityDefinition(ctx, urls, f.server, f.entity)
		if err == nil {
			to, err = readInput(ctx, urls, f.against)
		}
	} else {
		from, err = readInput(ctx, urls, f.positional[0])
		if err == nil {
			to, err = readInput(ctx, urls, f.positional[1])
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "portico diff:", err)
		return 2
	}
	// The format (OpenAPI, AsyncAPI, GraphQL, protobuf) is read from the
	// files: their extension, else their content.
	rep, err := apidiff.Definitions(ctx, "", from, to, openapi.Limits{})
	if err != nil {
		fmt.Fprintln(stderr, "portico diff:", err)
		return 2
	}
	if f.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(stderr, "portico diff:", err)
			return 2
		}
	} else {
		writeDiffText(stdout, from.Name, to.Name, rep)
	}
	if fails(rep, f.failOn) {
		return 1
	}
	return 0
}

func parseDiffFlags(args []string, stderr io.Writer) (*diffFlags, error) {
	f := &diffFlags{}
	fs := flag.NewFlagSet("portico diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.failOn, "fail-on", "breaking", "exit 1 when a change is at least `LEVEL`: breaking, warning, any (any change at all) or none")
	fs.StringVar(&f.format, "format", "text", "output `FORMAT`: text or json")
	fs.StringVar(&f.entity, "entity", "", "compare with the definition the portal holds for this API `ref` (api:default/petstore)")
	fs.StringVar(&f.against, "against", "", "with --entity: the new definition (`FILE` or URL)")
	fs.StringVar(&f.server, "server", "", "with --entity: the portal's base `URL` (http://localhost:7007)")
	fs.Var(&f.allowAddresses, "allow-address", "let URL reads connect to this private or loopback `ADDRESS` or CIDR (repeatable); they are refused by default")
	fs.Usage = func() {
		fmt.Fprintln(stderr, diffUsage)
		fs.PrintDefaults()
	}
	// Flags may follow the operands: `portico diff old.yaml new.yaml --format json`.
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		f.positional = append(f.positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch f.failOn {
	case "breaking", "warning", "any", "none":
	default:
		return nil, fmt.Errorf("--fail-on %q: want breaking, warning, any or none", f.failOn)
	}
	if f.format != "text" && f.format != "json" {
		return nil, fmt.Errorf("--format %q: want text or json", f.format)
	}
	if f.entity != "" {
		if len(f.positional) > 0 || f.against == "" || f.server == "" {
			return nil, errors.New("--entity needs --against FILE and --server URL, and no OLD NEW operands")
		}
		return f, nil
	}
	if f.against != "" || f.server != "" {
		return nil, errors.New("--against and --server go with --entity")
	}
	if len(f.positional) != 2 {
		return nil, fmt.Errorf("want OLD and NEW, got %d operand(s)\n%s", len(f.positional), diffUsage)
	}
	return f, nil
}

func (f *diffFlags) urlReader() (*catalog.URLReader, error) {
	addrs, err := egress.ParseAddressRules(f.allowAddresses)
	if err != nil {
		return nil, err
	}
	return &catalog.URLReader{Addresses: addrs}, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// readInput reads a definition from a file or an http(s) URL. A URL's host
// is allowed because the command line names it; its address still passes
// the reader's guard. Relative $refs resolve next to the file (within its
// directory) or against the URL.
func readInput(ctx context.Context, urls *catalog.URLReader, src string) (apidiff.Input, error) {
	if isURL(src) {
		u, err := url.Parse(src)
		if err != nil {
			return apidiff.Input{}, fmt.Errorf("%s: %w", src, err)
		}
		urls.Allow = append(urls.Allow, catalog.ReadAllowRule{Host: u.Host})
		data, _, err := urls.Read(ctx, src)
		if err != nil {
			return apidiff.Input{}, err
		}
		return apidiff.Input{Name: src, Data: data, Reader: urls.ForURL(src)}, nil
	}
	data, err := catalog.ReadRegularFile(ctx, src, catalog.DefaultMaxReadSize)
	if err != nil {
		return apidiff.Input{}, fmt.Errorf("read %s: %w", src, err)
	}
	return apidiff.Input{Name: src, Data: data, Reader: catalog.NewFileReader(filepath.Dir(src), src)}, nil
}

// readEntityDefinition reads spec.definition of the API entity ref from the
// portal's catalog REST API.
func readEntityDefinition(ctx context.Context, urls *catalog.URLReader, server, ref string) (apidiff.Input, error) {
	r, err := catalog.ParseRef(ref, "API", "default")
	if err != nil {
		return apidiff.Input{}, fmt.Errorf("--entity: %w", err)
	}
	if !strings.EqualFold(r.Kind, "API") {
		return apidiff.Input{}, fmt.Errorf("--entity %s: not an API", ref)
	}
	endpoint := strings.TrimRight(server, "/") + "/api/catalog/entities/by-name/api/" +
		url.PathEscape(r.Namespace) + "/" + url.PathEscape(r.Name)
	in, err := readInput(ctx, urls, endpoint)
	if err != nil {
		return apidiff.Input{}, err
	}
	var e struct {
		Spec struct {
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(in.Data, &e); err != nil {
		return apidiff.Input{}, fmt.Errorf("%s: not an entity: %w", endpoint, err)
	}
	if e.Spec.Definition == "" {
		return apidiff.Input{}, fmt.Errorf("%s has no spec.definition", r)
	}
	if !apidiff.Diffable(e.Spec.Type) {
		return apidiff.Input{}, fmt.Errorf("%s is a %q API; portico diff compares OpenAPI, AsyncAPI, GraphQL and gRPC definitions", r, e.Spec.Type)
	}
	return apidiff.Input{Name: r.String(), Data: []byte(e.Spec.Definition)}, nil
}

func fails(rep *apidiff.Report, failOn string) bool {
	switch failOn {
	case "breaking":
		return rep.Has(apidiff.Breaking)
	case "warning":
		return rep.Has(apidiff.Warning)
	case "any":
		return rep.Counts.Total() > 0
	}
	return false
}

// writeDiffText prints the report for a person: a summary line, then each
// operation (breaking ones first) with its changes.
func writeDiffText(w io.Writer, from, to string, rep *apidiff.Report) {
	c := rep.Counts
	fmt.Fprintf(w, "%s → %s: %d breaking, %d warning, %d info\n", printable(from), printable(to), c.Breaking, c.Warning, c.Info)
	for _, g := range rep.Groups {
		fmt.Fprintln(w)
		if g.Section != "" {
			fmt.Fprintln(w, printable(g.Section))
		} else {
			fmt.Fprintf(w, "%s %s\n", printable(g.Method), printable(g.Path))
		}
		for _, ch := range g.Changes {
			fmt.Fprintf(w, "  %-8s %s [%s]\n", ch.Level, printable(ch.Text), printable(ch.ID))
		}
	}
}

// printable replaces control characters, which a definition's names and
// descriptions may carry, so the output cannot drive the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}
