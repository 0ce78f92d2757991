package apidocs

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/porticohq/portico/catalog/openapi"
	av "github.com/porticohq/portico/views/apidocs"
)

// propertyNames lists the property names a schema view shows at its top
// level (direct children of the root node).
func propertyNames(schema *goquery.Selection) []string {
	var out []string
	schema.Find("details").First().ChildrenFiltered("details, div.ml-3").Each(func(_ int, c *goquery.Selection) {
		label := c
		if c.Is("details") {
			label = c.ChildrenFiltered("summary")
		}
		out = append(out, label.ChildrenFiltered("code.font-semibold").Text())
	})
	return out
}

func petstoreRig(t *testing.T) (*rig, string) {
	t.Helper()
	r := newRig(t, Options{Policy: enabled(), Limits: openapi.Limits{Timeout: time.Minute}},
		testAPI{name: "petstore31", definition: testdata(t, "petstore31.yaml")})
	return r, "/catalog/default/api/petstore31/definition"
}

// The definition page lists webhooks and models, each opened lazily; a
// model shows allOf merged with its parts linked, and $refs in schema
// views link to the models' anchors.
func TestPetstore31RendersModelsWebhooksAndMergedAllOf(t *testing.T) {
	r, base := petstoreRig(t)
	page := r.doc(t, "GET", base, nil, false)
	if got := texts(page.Find("[data-testid=webhooks] [data-testid=webhook-name]")); !slices.Equal(got, []string{"newPet", "petRemoved"}) {
		t.Errorf("webhooks listed = %v", got)
	}
	// The models section loads its list when opened.
	section := page.Find("[data-testid=models] details#models")
	if hx, _ := section.Attr("hx-get"); hx != base+"/models" || !strings.Contains(section.Find("summary").Text(), "(6)") {
		t.Errorf("models section: hx-get %q, summary %q", hx, section.Find("summary").Text())
	}
	if page.Find("details.model, [data-testid=model-details], [data-testid=webhook-details]").Length() != 0 {
		t.Error("models or webhooks rendered in the first response; they must load lazily")
	}
	list := r.doc(t, "GET", base+"/models", nil, true)
	if got := texts(list.Find("[data-testid=model-name]")); !slices.Equal(got, []string{"Adoption", "Cat", "Dog", "NewPet", "Person", "Pet"}) {
		t.Errorf("models listed = %v", got)
	}
	if hx, _ := list.Find("details.model#model-Pet").Attr("hx-get"); hx != base+"/model/Pet" {
		t.Errorf("model #model-Pet: hx-get = %q", hx)
	}
	if page := r.doc(t, "GET", base+"?models=1", nil, false); page.Find("details#models[open] details.model").Length() != 6 {
		t.Error("?models=1 does not list the models without JS")
	}

	pet := r.doc(t, "GET", base+"/model/Pet", nil, true)
	want := []string{"callbackUrl", "id", "legacyCode", "name", "petType", "secret", "tag"}
	if got := propertyNames(pet.Find("[data-testid=schema]")); !slices.Equal(got, want) {
		t.Errorf("Pet's merged properties = %v, want %v", got, want)
	}
	composed := pet.Find("[data-testid=schema-composed]")
	if !strings.Contains(composed.Text(), "NewPet") || !strings.Contains(composed.Text(), "inline schema") {
		t.Errorf("parts line = %q", composed.Text())
	}
	if href, _ := composed.Find("a").Attr("href"); href != base+"?model=NewPet#model-NewPet" {
		t.Errorf("part link = %q", href)
	}
	for flag, prop := range map[string]string{"read-only": "id", "write-only": "secret", "deprecated": "legacyCode", "nullable": "tag", "required": "name"} {
		found := false
		pet.Find("[data-testid=schema] span").Each(func(_ int, s *goquery.Selection) {
			found = found || (s.Text() == flag && s.Parent().ChildrenFiltered("code.font-semibold").First().Text() == prop)
		})
		if !found {
			t.Errorf("%s not shown on %s", flag, prop)
		}
	}
	if !strings.Contains(pet.Find(".prose strong").Text(), "store") {
		t.Error("model description not rendered as markdown")
	}
	if ex := pet.Find("[data-testid=example]").Text(); !strings.Contains(ex, `"name": "doggie"`) {
		t.Errorf("model example = %q", ex)
	}

	// A deep link opens the model without JS.
	deep := r.doc(t, "GET", base+"?model=Dog", nil, false)
	if deep.Find("details.model#model-Dog[open] [data-testid=model-details]").Length() != 1 {
		t.Error("?model=Dog does not render the model open")
	}
	if got := propertyNames(deep.Find("#model-Dog [data-testid=schema]")); !slices.Contains(got, "bark") || !slices.Contains(got, "name") {
		t.Errorf("Dog's merged properties = %v", got)
	}
	if rec := r.do(t, "GET", base+"/model/Dog", nil, false); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != base+"?model=Dog#model-Dog" {
		t.Errorf("model URL without htmx: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if missing := r.doc(t, "GET", base+"/model/Nope", nil, true); !strings.Contains(missing.Text(), `no model "Nope"`) {
		t.Errorf("unknown model: %q", missing.Text())
	}
}

func TestPetstore31OperationShowsVariantsDiscriminatorExamplesAndCallbacks(t *testing.T) {
	r, base := petstoreRig(t)
	show := r.doc(t, "GET", base+"/op/showPet", nil, true)
	variants := show.Find("[data-testid=schema-variants]")
	if c, _ := variants.Attr("data-combinator"); c != "oneOf" {
		t.Errorf("combinator = %q", c)
	}
	if got := texts(variants.Find("[data-testid=schema-variant] > summary [data-testid=schema-ref]")); !slices.Equal(got, []string{"Dog", "Cat"}) {
		t.Errorf("variants = %v", got)
	}
	if !strings.Contains(variants.Find("[data-testid=schema-variant]").Eq(1).Text(), "huntingSkill") {
		t.Error("the Cat variant does not show its properties")
	}
	if show.Find("[data-testid=schema-variant][open]").Length() != 1 {
		t.Error("want the first variant open, the others closed")
	}
	if p := show.Find("[data-testid=discriminator-property]").Text(); p != "petType" {
		t.Errorf("discriminator property = %q", p)
	}
	if got := texts(show.Find("[data-testid=discriminator-mapping]")); len(got) != 2 || !strings.Contains(got[0], "cat") || !strings.Contains(got[0], "Cat") {
		t.Errorf("mapping = %v", got)
	}
	if href, _ := show.Find("[data-testid=schema-ref]").First().Attr("href"); href != base+"?model=Dog#model-Dog" {
		t.Errorf("$ref link = %q", href)
	}
	if ex := show.Find("[data-testid=example-generated]"); ex.Length() == 0 {
		t.Error("no generated response example")
	}

	list := r.doc(t, "GET", base+"/op/listPets", nil, true)
	if got := texts(list.Find("[data-testid=parameters] [data-testid=example-name]")); !slices.Equal(got, []string{"large", "small"}) {
		t.Errorf("parameter examples = %v", got)
	}
	if got := texts(list.Find("[data-testid=responses] [data-testid=example-summary]")); len(got) != 1 || !strings.Contains(got[0], "Two pets") {
		t.Errorf("response example summaries = %v", got)
	}
	if list.Find("[data-testid=responses] [data-testid=named-example] .prose strong").Text() != "dog" {
		t.Error("named example description not rendered as markdown")
	}

	create := r.doc(t, "GET", base+"/op/createPet", nil, true)
	cb := create.Find("[data-testid=callback]")
	if cb.Length() != 1 || cb.Find("[data-testid=callback-name]").Text() != "onAdopted" || cb.Find("[data-testid=callback-expression]").Text() != "{$request.body#/callbackUrl}/adopted" {
		t.Fatalf("callback = %q", cb.Text())
	}
	if cb.Find("[data-testid=try-form]").Length() != 0 || !strings.Contains(cb.Text(), "petId") {
		t.Error("callback must show its body schema and no try-it form")
	}
	// The try-it body is the generated request example: no readOnly id.
	body := create.Find("[data-testid=try-body]").Text()
	if !strings.Contains(body, "doggie") || strings.Contains(body, `"id"`) {
		t.Errorf("try-it body = %q", body)
	}
}

func TestWebhookOpensWithoutTryIt(t *testing.T) {
	r, base := petstoreRig(t)
	sum := summaryOf(t, testdata(t, "petstore31.yaml"))
	key := sum.Webhooks[0].Key
	w := r.doc(t, "GET", base+"/webhook/"+key, nil, true)
	if w.Find("[data-testid=webhook-details]").Length() != 1 || w.Find("[data-testid=try-form], [data-testid=try-it]").Length() != 0 {
		t.Fatal("webhook details missing or with try-it")
	}
	if !strings.Contains(w.Find("[data-testid=schema]").Text(), "petType") {
		t.Error("webhook body schema not shown")
	}
	deep := r.doc(t, "GET", base+"?webhook="+key, nil, false)
	if deep.Find("details.webhook#webhook-"+key+"[open] [data-testid=webhook-details]").Length() != 1 {
		t.Error("?webhook= does not render the webhook open")
	}
}

// A definition with more models than a page holds pages them, and a deep
// link finds the page of its model.
func TestModelsArePaged(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.3","info":{"title":"many","version":"1"},"paths":{},"components":{"schemas":{`)
	n := av.ModelsPerPage + 20
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"M%04d":{"type":"object","properties":{"p%d":{"type":"string"}}}`, i, i)
	}
	b.WriteString(`}}}`)
	r := newRig(t, Options{Policy: enabled(), Limits: openapi.Limits{Timeout: time.Minute}}, testAPI{name: "many", definition: b.String()})
	base := "/catalog/default/api/many/definition"
	first := r.doc(t, "GET", base+"?models=1", nil, false)
	if got := first.Find("details.model").Length(); got != av.ModelsPerPage {
		t.Errorf("first page lists %d models, want %d", got, av.ModelsPerPage)
	}
	if first.Find("[data-testid=models-pager]").Length() != 1 {
		t.Error("no models pager")
	}
	last := fmt.Sprintf("M%04d", n-1)
	deep := r.doc(t, "GET", base+"?model="+last, nil, false)
	if deep.Find("details.model").Length() != 20 || deep.Find("#model-"+last+"[open]").Length() != 1 {
		t.Errorf("deep link to %s: %d models listed", last, deep.Find("details.model").Length())
	}
	if !strings.Contains(deep.Find("#model-"+last).Text(), fmt.Sprintf("p%d", n-1)) {
		t.Error("the deep-linked model does not show its schema")
	}
}

// Operation search finds 3.1 webhooks by name or summary, each with a link
// that opens the webhook on the definition page; the API's operations keep
// their ?op= links.
func TestSearchFindsWebhooks(t *testing.T) {
	r, base := petstoreRig(t)
	sum := summaryOf(t, testdata(t, "petstore31.yaml"))
	keys := map[string]string{}
	for _, w := range sum.Webhooks {
		keys[w.Path] = w.Key
	}
	for _, tc := range []struct{ q, name string }{
		{"petRemoved", "petRemoved"},
		{"joined the store", "newPet"},
	} {
		page := r.doc(t, "GET", "/search?q="+url.QueryEscape(tc.q), nil, false)
		var hit *goquery.Selection
		page.Find("[data-testid=operation-hit]").Each(func(_ int, s *goquery.Selection) {
			if s.Find("a code").First().Text() == tc.name {
				hit = s
			}
		})
		if hit == nil {
			t.Errorf("%q: webhook %s not found", tc.q, tc.name)
			continue
		}
		if hit.Find("[data-testid=hit-webhook]").Length() != 1 {
			t.Errorf("%q: the hit does not say it is a webhook", tc.q)
		}
		key := keys[tc.name]
		href, _ := hit.Find("a").First().Attr("href")
		if want := base + "?webhook=" + key + "#webhook-" + key; href != want {
			t.Errorf("%q: link %q; want %q", tc.q, href, want)
		}
		open := r.doc(t, "GET", strings.SplitN(href, "#", 2)[0], nil, false) // fails unless 200
		if open.Find("details.webhook#webhook-"+key+"[open] [data-testid=webhook-details]").Length() != 1 {
			t.Errorf("%q: the link does not open the webhook", tc.q)
		}
	}
	page := r.doc(t, "GET", "/search?q=pet", nil, false)
	ops := 0
	page.Find("[data-testid=operation-hit]").Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Find("a").First().Attr("href")
		if s.Find("[data-testid=hit-webhook]").Length() == 0 {
			ops++
			if !strings.Contains(href, "?op=") {
				t.Errorf("operation %q links to %q", s.Find("a code").First().Text(), href)
			}
		}
	})
	if ops == 0 {
		t.Error("'pet' finds no operation beside the webhooks")
	}
}
