package openapi

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func parsePetstore31(t *testing.T) *Definition {
	t.Helper()
	def, err := Parse(context.Background(), readTestdata(t, "petstore31.yaml"), nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func childNames(n *SchemaNode) []string {
	var out []string
	for _, c := range n.Children {
		out = append(out, c.Name)
	}
	return out
}

func child(n *SchemaNode, name string) *SchemaNode {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestAllOfIsMergedWithItsPartsNamed(t *testing.T) {
	def := parsePetstore31(t)
	m, ok := def.Model("Pet")
	if !ok {
		t.Fatal("model Pet missing")
	}
	want := []string{"callbackUrl", "id", "legacyCode", "name", "petType", "secret", "tag"}
	if got := childNames(m.Schema); !slices.Equal(got, want) {
		t.Errorf("merged properties = %v, want %v", got, want)
	}
	if len(m.Schema.Composed) != 2 || m.Schema.Composed[0].Model != "NewPet" || m.Schema.Composed[1].Label != "inline schema" {
		t.Errorf("parts = %+v, want NewPet and an inline schema", m.Schema.Composed)
	}
	if m.Schema.Type != "object" {
		t.Errorf("merged type = %q, want object", m.Schema.Type)
	}
	// required is merged from both parts.
	if !child(m.Schema, "name").Required || !child(m.Schema, "id").Required || child(m.Schema, "tag").Required {
		t.Errorf("required not merged: name %v id %v tag %v", child(m.Schema, "name").Required, child(m.Schema, "id").Required, child(m.Schema, "tag").Required)
	}
	if !child(m.Schema, "id").ReadOnly || !child(m.Schema, "secret").WriteOnly || !child(m.Schema, "legacyCode").Deprecated {
		t.Error("readOnly, writeOnly or deprecated lost in the merge")
	}
	if !child(m.Schema, "tag").Nullable {
		t.Error("3.1 type [string, null] not shown nullable")
	}
	if !strings.Contains(m.Description, "**store**") {
		t.Errorf("model description = %q", m.Description)
	}
	// Dog merges Pet (itself merged) and its own part.
	dog, _ := def.Model("Dog")
	if got := childNames(dog.Schema); !slices.Contains(got, "bark") || !slices.Contains(got, "name") || !slices.Contains(got, "id") {
		t.Errorf("Dog's merged properties = %v", got)
	}
}

func TestOneOfBecomesVariantsWithDiscriminator(t *testing.T) {
	def := parsePetstore31(t)
	op, ok := def.Operation("showPet")
	if !ok {
		t.Fatal("showPet missing")
	}
	n := op.Responses[0].Contents[0].Schema
	if n.Combinator != "oneOf" || len(n.Variants) != 2 || n.Variants[0].Model != "Dog" || n.Variants[1].Model != "Cat" {
		t.Fatalf("variants = %q %+v", n.Combinator, n.Variants)
	}
	if !slices.Contains(childNames(n.Variants[1]), "huntingSkill") {
		t.Errorf("Cat variant's properties = %v", childNames(n.Variants[1]))
	}
	d := n.Discriminator
	if d == nil || d.PropertyName != "petType" || len(d.Mapping) != 2 || d.Mapping[0] != (DiscriminatorMapping{Value: "cat", Ref: "#/components/schemas/Cat", Model: "Cat"}) {
		t.Errorf("discriminator = %+v", d)
	}
	adoption, _ := def.Model("Adoption")
	adopter := child(adoption.Schema, "adopter")
	if adopter.Combinator != "anyOf" || len(adopter.Variants) != 2 || adopter.Variants[1].Title != "Adopter name" {
		t.Errorf("anyOf variants = %+v", adopter)
	}
}

func TestGeneratedExamplesLeaveOutReadOnlyInRequestsAndWriteOnlyInResponses(t *testing.T) {
	def := parsePetstore31(t)
	op, _ := def.Operation("createPet")
	req := op.RequestBody.Contents[0]
	var body map[string]any
	if err := json.Unmarshal([]byte(req.Example), &body); err != nil {
		t.Fatalf("request example %q: %v", req.Example, err)
	}
	if !req.Generated || body["name"] != "doggie" || body["secret"] == nil {
		t.Errorf("request example = %v (generated %v)", body, req.Generated)
	}
	resp := op.Responses[0].Contents[0]
	var out map[string]any
	if err := json.Unmarshal([]byte(resp.Example), &out); err != nil {
		t.Fatalf("response example %q: %v", resp.Example, err)
	}
	if !resp.Generated || out["id"] == nil || out["secret"] != nil {
		t.Errorf("response example = %v: want id (readOnly) and no secret (writeOnly)", out)
	}
	// NewPet has no readOnly property; Pet's id is readOnly and must not
	// be offered in a request that sends a Pet.
	hook, ok := def.Webhook(def.Summary.Webhooks[0].Key)
	if !ok {
		t.Fatal("webhook missing")
	}
	var sent map[string]any
	if err := json.Unmarshal([]byte(hook.RequestBody.Contents[0].Example), &sent); err != nil {
		t.Fatal(err)
	}
	if sent["id"] != nil || sent["name"] == nil {
		t.Errorf("request example of a Pet = %v: id is readOnly", sent)
	}
}

func TestNamedExamplesKeepSummaryAndDescription(t *testing.T) {
	def := parsePetstore31(t)
	op, _ := def.Operation("listPets")
	p := op.Parameters[0]
	if len(p.Examples) != 2 || p.Examples[1].Name != "small" || p.Examples[1].Summary != "A small page" || p.Examples[1].Description != "Ten pets at most." || p.Examples[1].Value != "10" {
		t.Errorf("parameter examples = %+v", p.Examples)
	}
	if p.Example != "100" {
		t.Errorf("prefill = %q, want the first named example", p.Example)
	}
	c := op.Responses[0].Contents[0]
	if len(c.Examples) != 1 || c.Examples[0].Summary != "Two pets" || !strings.Contains(c.Examples[0].Value, "Rex") || c.Generated {
		t.Errorf("response examples = %+v (generated %v)", c.Examples, c.Generated)
	}
}

func TestCallbacksAndWebhooksAreRead(t *testing.T) {
	def := parsePetstore31(t)
	op, _ := def.Operation("createPet")
	if len(op.Callbacks) != 1 {
		t.Fatalf("callbacks = %+v", op.Callbacks)
	}
	cb := op.Callbacks[0]
	if cb.Name != "onAdopted" || cb.Expression != "{$request.body#/callbackUrl}/adopted" || len(cb.Operations) != 1 || cb.Operations[0].Method != "POST" {
		t.Errorf("callback = %+v", cb)
	}
	if rb := cb.Operations[0].RequestBody; rb == nil || rb.Contents[0].Schema.Model != "Adoption" {
		t.Errorf("callback body = %+v", rb)
	}
	var names []string
	for _, w := range def.Summary.Webhooks {
		names = append(names, w.Method+" "+w.Path)
		if _, ok := def.Webhook(w.Key); !ok {
			t.Errorf("webhook %s has no details", w.Key)
		}
	}
	if !slices.Equal(names, []string{"POST newPet", "DELETE petRemoved"}) {
		t.Errorf("webhooks = %v", names)
	}
	sum, err := Summarize(readTestdata(t, "petstore31.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sum.Models, []string{"Adoption", "Cat", "Dog", "NewPet", "Person", "Pet"}) {
		t.Errorf("models = %v", sum.Models)
	}
	if len(sum.Webhooks) != 2 || sum.Webhooks[0].Key != def.Summary.Webhooks[0].Key {
		t.Errorf("summary webhooks = %+v", sum.Webhooks)
	}
}

func TestSwaggerDefinitionsAreModels(t *testing.T) {
	data := readTestdata(t, "swagger2.yaml")
	sum, err := Summarize(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Models) == 0 {
		t.Fatal("no models from definitions")
	}
	def, err := Parse(context.Background(), data, nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range sum.Models {
		if m, ok := def.Model(name); !ok || m.Schema == nil {
			t.Errorf("model %s not loaded", name)
		}
	}
	// A 2.0 "#/definitions/Pet" $ref links to the model too.
	op, _ := def.Operation("getPetById")
	if s := op.Responses[0].Contents[0].Schema; s.Model != "Pet" {
		t.Errorf("2.0 $ref model = %q, want Pet", s.Model)
	}
}

func TestNullable30AndOneOfNull31(t *testing.T) {
	spec := `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{
"A":{"type":"object","properties":{"x":{"oneOf":[{"type":"string"},{"type":"null"}]},"y":{"type":"string","nullable":true}}}}}}`
	def, err := Parse(context.Background(), []byte(spec), nil, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := def.Model("A")
	if x := child(m.Schema, "x"); !x.Nullable || len(x.Variants) != 1 {
		t.Errorf("oneOf [string, null] = %+v: want nullable with one variant", x)
	}
	if !child(m.Schema, "y").Nullable {
		t.Error("nullable: true not shown")
	}
}
