package apidocs

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// chips lists the constraint chips directly on one schema label, as text.
func chips(s *goquery.Selection) []string {
	var out []string
	s.ChildrenFiltered("[data-testid=constraint]").Each(func(_ int, c *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(c.Text()), " "))
	})
	return out
}

// label is the summary or line of the schema child named name.
func schemaLine(t *testing.T, d *goquery.Document, name string) *goquery.Selection {
	t.Helper()
	var found *goquery.Selection
	d.Find("[data-testid=schema] summary, [data-testid=schema] div.ml-3").Each(func(_ int, s *goquery.Selection) {
		if found == nil && s.ChildrenFiltered("code.font-semibold").First().Text() == name {
			found = s
		}
	})
	if found == nil {
		t.Fatalf("no schema line %q", name)
	}
	return found
}

// TestSchemaConstraintsRenderAsChips: every validation keyword of a 3.1
// schema shows as a chip on its line, in both bound forms, and the 3.1
// children (prefixItems, patternProperties, not) say what they are.
func TestSchemaConstraintsRenderAsChips(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "c", definition: testdata(t, "constraints31.yaml")})
	d := r.doc(t, "GET", "/catalog/default/api/c/definition/op/getThing", nil, true)
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"limit", []string{"≥ 1", "≤ 100", "default 10"}},
		{"above", []string{"> 0", "< 10"}},
		{"ratio", []string{"multiple of 0.5"}},
		{"slug", []string{"min length 2", "max length 40", "pattern ^[a-z]+$"}},
	} {
		row := d.Find("[data-testid=parameters] tr").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return s.Find("td code").First().Text() == tc.name
		})
		if got := chips(row.Find("[data-testid=param-constraints]")); !slices.Equal(got, tc.want) {
			t.Errorf("parameter %s: chips %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"kind", []string{`always "thing"`}},
		{"size", []string{"≥ 0", "< 1000"}},
		{"tags", []string{"min items 1", "max items 5", "unique items"}},
		{"colour", []string{`example "red"`, `example "green"`}},
	} {
		if got := chips(schemaLine(t, d, tc.name)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: chips %q, want %q", tc.name, got, tc.want)
		}
	}
	root := d.Find("[data-testid=responses] [data-testid=schema] > details > summary").First()
	if got := chips(root); !slices.Equal(got, []string{"min properties 1", "max properties 20", "no other properties"}) {
		t.Errorf("Thing: chips %q", got)
	}
	for name, role := range map[string]string{"[0]": "item at", "[1]": "item at", "^x-": "properties matching", "not": "must not match:"} {
		if got := schemaLine(t, d, name).ChildrenFiltered("[data-testid=schema-role]").Text(); got != role {
			t.Errorf("%s: role %q, want %q", name, got, role)
		}
	}
	if got := schemaLine(t, d, "created").Text(); !strings.Contains(got, "(date-time)") {
		t.Errorf("format not shown: %q", got)
	}
}

// TestResponseHeadersAndLinksRendered: a response lists its headers (with
// their schema's constraints) and its links, a link by operationId
// pointing at that operation on the page.
func TestResponseHeadersAndLinksRendered(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "c", definition: testdata(t, "constraints31.yaml")})
	d := r.doc(t, "GET", "/catalog/default/api/c/definition/op/getThing", nil, true)
	h := d.Find("[data-testid=response-header]")
	if h.Length() != 1 || h.Find("code").First().Text() != "X-Rate-Limit" || !strings.Contains(h.Text(), "required") ||
		!slices.Equal(chips(h), []string{"≥ 0"}) || !strings.Contains(h.Text(), "Calls left this hour") {
		t.Errorf("response header: %q", h.Text())
	}
	l := d.Find("[data-testid=response-link]")
	if href, _ := l.Find("a[data-testid=link-operation]").Attr("href"); href != "#op-getOwner" {
		t.Errorf("link to getOwner: href %q in %q", href, l.Text())
	}
	if got := strings.Join(strings.Fields(l.Find("[data-testid=link-parameter]").Text()), " "); got != "ownerId = $response.body#/ownerId" {
		t.Errorf("link parameter %q", got)
	}
}

// TestTryItFieldsCarryTheSchemaChecks: number parameters get a number
// field with their bounds (exclusive integer bounds made inclusive), and
// strings their pattern (unanchored, as JSON Schema reads it) and lengths.
func TestTryItFieldsCarryTheSchemaChecks(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "c", definition: testdata(t, "constraints31.yaml")})
	d := r.doc(t, "GET", "/catalog/default/api/c/definition/op/getThing", nil, true)
	for _, tc := range []struct {
		param string
		attrs map[string]string
	}{
		{"limit", map[string]string{"type": "number", "min": "1", "max": "100", "step": "1", "value": "10"}},
		{"above", map[string]string{"type": "number", "min": "1", "max": "9"}},
		{"ratio", map[string]string{"type": "number", "step": "0.5"}},
		{"slug", map[string]string{"type": "text", "pattern": ".*(?:^[a-z]+$).*", "minlength": "2", "maxlength": "40"}},
	} {
		in := d.Find("[data-testid=param-" + tc.param + "]")
		for k, want := range tc.attrs {
			if got, _ := in.Attr(k); got != want {
				t.Errorf("%s: %s=%q, want %q", tc.param, k, got, want)
			}
		}
	}
	if _, ok := d.Find("[data-testid=param-ratio]").Attr("min"); ok {
		t.Error("a parameter without bounds has a min attribute")
	}
}

// Outside test: /definition/op/nope and ?op=nope answered the page with
// no word about the operation asked for.
func TestUnknownOperationIsSaid(t *testing.T) {
	r := newRig(t, Options{Policy: enabled()}, testAPI{name: "c", definition: testdata(t, "constraints31.yaml")})
	rec := r.do(t, "GET", "/catalog/default/api/c/definition/op/nope", nil, false)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("/op/nope: status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !strings.Contains(rec.Body.String(), `data-testid="missing-operation"`) || !strings.Contains(rec.Body.String(), "<code>nope</code>") {
		t.Errorf("/op/nope does not say the operation is missing")
	}
	d := r.doc(t, "GET", "/catalog/default/api/c/definition?op=nope", nil, false)
	if d.Find(`[data-testid="missing-operation"]`).Length() != 1 {
		t.Error("?op=nope does not say the operation is missing")
	}
	d = r.doc(t, "GET", "/catalog/default/api/c/definition?op=getThing", nil, false)
	if d.Find(`[data-testid="missing-operation"]`).Length() != 0 {
		t.Error("an existing operation is said to be missing")
	}
	if rec := r.do(t, "GET", "/catalog/default/api/c/definition/op/getThing", nil, false); rec.Code != http.StatusOK {
		t.Errorf("/op/getThing: %d", rec.Code)
	}
}
