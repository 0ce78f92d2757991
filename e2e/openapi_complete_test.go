package e2e

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// TestAPIDocsOpenAPI31Structured opens a 3.1 Petstore with webhooks,
// callbacks, allOf, oneOf and a discriminator: webhooks open without
// try-it, the models section loads and opens a model with allOf merged, an
// operation shows its variants and discriminator, and a $ref link lands on
// the model open; key text keeps 4.5:1 contrast in light and dark mode and
// the page fits a 390 px phone.
func TestAPIDocsOpenAPI31Structured(t *testing.T) {
	base := StartPortal(t, fmt.Sprintf(`app:
  title: E2E Portal
catalog:
  locations:
    - type: file
      target: %s
`, filepath.Join(moduleRoot(), "web", "apidocs", "testdata", "e2e-petstore31.yaml")))
	page := NewPage(t)
	expect := playwright.NewPlaywrightAssertions(10000)
	step := Steps(t, page, "")
	def := base + "/catalog/default/api/petstore31/definition"
	_, err := page.Goto(def)
	step("open", err)
	step("webhooks listed", expect.Locator(page.Locator(`[data-testid="webhook-name"]`)).ToHaveText([]string{"newPet", "petRemoved"}))
	hook := page.Locator("details.webhook").First()
	step("open webhook", hook.Locator("summary").Click())
	step("webhook details", expect.Locator(hook.Locator(`[data-testid="webhook-details"] [data-testid="schema"]`).First()).ToBeVisible())
	step("webhook without try-it", expect.Locator(hook.Locator(`[data-testid="try-it"]`)).ToHaveCount(0))

	step("open models", page.Locator("details#models > summary").Click())
	step("models listed", expect.Locator(page.Locator(`[data-testid="model-name"]`)).ToHaveText([]string{"Adoption", "Cat", "Dog", "NewPet", "Person", "Pet"}))
	pet := page.Locator("#model-Pet")
	step("open Pet", pet.Locator("summary").First().Click())
	step("Pet composed", expect.Locator(pet.Locator(`[data-testid="schema-composed"]`)).ToContainText("NewPet"))
	step("Pet merged", expect.Locator(pet.Locator(`[data-testid="schema"]`)).ToContainText("callbackUrl"))

	op := page.Locator("#op-showPet")
	step("open showPet", op.Locator("summary").First().Click())
	step("variants", expect.Locator(op.Locator(`[data-testid="schema-variant"]`)).ToHaveCount(2))
	step("discriminator", expect.Locator(op.Locator(`[data-testid="discriminator-property"]`)).ToHaveText("petType"))
	step("open the Cat variant", op.Locator(`[data-testid="schema-variant"]`).Nth(1).Locator("summary").Click())
	step("Cat's properties", expect.Locator(op.Locator(`[data-testid="schema-variant"]`).Nth(1)).ToContainText("huntingSkill"))
	create := page.Locator("#op-createPet")
	step("open createPet", create.Locator("summary").First().Click())
	step("open the callback", create.Locator(`[data-testid="callback"] > summary`).Click())
	step("callback", expect.Locator(create.Locator(`[data-testid="callback-expression"]`)).ToHaveText("{$request.body#/callbackUrl}/adopted"))

	list := page.Locator("#op-listPets")
	step("open listPets", list.Locator("summary").First().Click())
	step("named examples", expect.Locator(list.Locator(`[data-testid="example-name"]`)).ToHaveText([]string{"large", "small", "two"}))
	// Every example open, so the width check sees them.
	_, err = page.Evaluate(`() => document.querySelectorAll('[data-testid="named-example"]').forEach((d) => { d.open = true; })`)
	step("open the examples", err)

	for _, size := range []struct{ w, h int }{{1280, 900}, {390, 844}} {
		step("viewport", page.SetViewportSize(size.w, size.h))
		for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
			step("colour scheme", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme}))
			name := fmt.Sprintf("openapi31-%d-%s", size.w, *scheme)
			fits, err := page.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`)
			step("measure width", err)
			if fits != true {
				t.Errorf("%s is wider than the viewport", name)
			}
			for _, sel := range []string{`[data-testid="webhook-name"]`, `[data-testid="model-name"]`, `[data-testid="schema"] code`,
				`[data-testid="schema-composed"]`, `[data-testid="discriminator"] code`, `[data-testid="schema-ref"]`,
				`[data-testid="schema"] span.text-gray-600`, `[data-testid="schema"] span.text-red-700`, `[data-testid="callback-expression"]`, `[data-testid="example-summary"]`, `[data-testid="example"]`} {
				ratio, err := page.Evaluate(minContrastJS, sel)
				step("contrast", err)
				if r, ok := ratio.(float64); ok && r >= 0 && r < 4.5 {
					t.Errorf("%s: %s has contrast %.2f:1, want ≥ 4.5", name, sel, r)
				}
			}
			Screenshot(t, page, name)
		}
	}
	step("desktop again", page.SetViewportSize(1280, 900))
	step("light again", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: playwright.ColorSchemeLight}))

	// A $ref link lands on the model, open, without JavaScript's help.
	step("follow the Dog $ref", op.Locator(`[data-testid="schema-ref"]`).First().Click())
	step("Dog open", expect.Locator(page.Locator(`#model-Dog[open] [data-testid="model-details"]`)).ToBeVisible())
	step("Dog in view", expect.Locator(page.Locator("#model-Dog > summary")).ToBeInViewport())
	// A bare #model- fragment (typed or shared) opens the model too.
	_, err = page.Goto(def + "#model-Cat")
	step("open #model-Cat", err)
	step("Cat open", expect.Locator(page.Locator(`#model-Cat[open] [data-testid="model-details"]`)).ToBeVisible())
}
