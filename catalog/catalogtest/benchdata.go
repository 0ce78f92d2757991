// Package catalogtest generates catalogs for benchmarks and the scale
// script (scripts/scale): n API entities with OpenAPI definitions, owned by
// groups and grouped in systems, so that every benchmark measures the same
// kind of data.
package catalogtest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
)

// Groups and Systems are how many owners and systems the generated APIs
// are spread over.
const (
	Groups  = 50
	Systems = 200
)

// words make operation summaries and paths varied enough that an operation
// search for one word hits a fraction of the catalog, not all of it.
var words = []string{
	"account", "invoice", "payment", "order", "customer", "shipment", "refund", "ledger",
	"catalog", "price", "quote", "contract", "tenant", "profile", "session", "token",
	"report", "metric", "alert", "incident", "ticket", "comment", "document", "image",
	"device", "sensor", "reading", "vehicle", "route", "booking", "schedule", "member",
}

var methods = []string{"get", "post", "put", "patch", "delete"}

// WriteBenchCatalog writes n API entities to dir/apis/api-NNNNNN.yaml, one
// per file, each with an inline OpenAPI 3 definition of 10 operations and a
// few component schemas (about 11 KB a file), owned by one of Groups groups
// and part of one of Systems systems, which dir/org.yaml declares. The
// output depends on n alone.
func WriteBenchCatalog(dir string, n int) error {
	apis := filepath.Join(dir, "apis")
	if err := os.MkdirAll(apis, 0o755); err != nil {
		return err
	}
	var org bytes.Buffer
	for g := range Groups {
		fmt.Fprintf(&org, "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-%03d\nspec:\n  type: team\n  children: []\n", g)
	}
	for s := range Systems {
		fmt.Fprintf(&org, "---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: system-%03d\nspec:\n  owner: group:default/team-%03d\n", s, s%Groups)
	}
	if err := os.WriteFile(filepath.Join(dir, "org.yaml"), org.Bytes(), 0o644); err != nil {
		return err
	}
	var b bytes.Buffer
	for i := range n {
		b.Reset()
		writeBenchAPI(&b, i)
		if err := os.WriteFile(filepath.Join(apis, fmt.Sprintf("api-%06d.yaml", i)), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// BenchAPI returns the descriptor of API number i as WriteBenchCatalog
// writes it, for benchmarks that serve the catalog without files.
func BenchAPI(i int) []byte {
	var b bytes.Buffer
	writeBenchAPI(&b, i)
	return b.Bytes()
}

// writeBenchAPI writes API number i.
func writeBenchAPI(b *bytes.Buffer, i int) {
	rnd := rand.New(rand.NewPCG(uint64(i), 42))
	word := func() string { return words[rnd.IntN(len(words))] }
	lifecycle := []string{"production", "experimental", "deprecated"}[i%3]
	fmt.Fprintf(b, "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: api-%06d\n  title: %s %s API %d\n  description: Manages %ss and %ss for generated service %d.\n  tags: [rest, %s]\n  annotations:\n    bench/index: '%d'\nspec:\n  type: openapi\n  lifecycle: %s\n  owner: group:default/team-%03d\n  system: system-%03d\n  definition: |\n",
		i, title(word()), title(word()), i, word(), word(), i, word(), i, lifecycle, i%Groups, i%Systems)
	fmt.Fprintf(b, "    openapi: 3.0.3\n    info:\n      title: API %d\n      version: 1.%d.0\n    paths:\n", i, i%10)
	for r := range 10 {
		res := word()
		fmt.Fprintf(b, "      /%ss/{id}/r%d:\n        %s:\n          operationId: %s%s%d\n          summary: %s the %s of a %s\n          tags: [%s]\n",
			res, r, methods[r%len(methods)], methods[r%len(methods)], title(res), r, title(methods[r%len(methods)]), word(), res, res)
		b.WriteString("          parameters:\n            - name: id\n              in: path\n              required: true\n              schema: {type: string}\n            - name: limit\n              in: query\n              schema: {type: integer, maximum: 100}\n")
		fmt.Fprintf(b, "          responses:\n            '200':\n              description: The %s.\n              content:\n                application/json:\n                  schema: {$ref: '#/components/schemas/%s%d'}\n            '404':\n              description: No such %s.\n", res, title(res), r, res)
	}
	b.WriteString("    components:\n      schemas:\n")
	for r := range 10 {
		fmt.Fprintf(b, "        %s%d:\n          type: object\n          properties:\n", title(word()), r)
		for f := range 6 {
			fmt.Fprintf(b, "            %s%d:\n              type: string\n              description: The %s of the %s, field %d.\n", word(), f, word(), word(), f)
		}
	}
}

func title(s string) string { return string(s[0]-'a'+'A') + s[1:] }

// ByQueryPath is one request of the scale benchmark's by-query mix
// (scripts/scale and its replay tool): the APIs of a random team and
// lifecycle, or of a random system, with a random limit, offset and two
// fields, so that the response cache never answers.
func ByQueryPath(rnd *rand.Rand) string {
	v := url.Values{"filter": {fmt.Sprintf("kind=api,spec.owner=group:default/team-%03d,spec.lifecycle=%s", rnd.IntN(Groups),
		[]string{"production", "experimental", "deprecated"}[rnd.IntN(3)])}}
	if rnd.IntN(2) == 0 {
		v.Set("filter", fmt.Sprintf("kind=api,spec.system=system-%03d", rnd.IntN(Systems)))
	}
	v.Set("limit", strconv.Itoa(5+rnd.IntN(20)))
	v.Set("offset", strconv.Itoa(rnd.IntN(20)))
	v.Set("fields", "metadata.name,spec.owner")
	return "/api/catalog/entities/by-query?" + v.Encode()
}
