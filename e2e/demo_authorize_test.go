package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// TestDemoAuthorizeThenCallSecuredOperations: a newcomer opens the demo
// Petstore, sees the Authorize panel, enters the documented demo key and
// adds a pet (201); copies the curl command and runs it with the key in
// $API_KEY, as the scheme's description says (201); logs the key out, gets
// a token by client credentials from the demo's own token URL (through the
// portal's proxy) and removes a pet (204), and the copied curl command
// removes another with a token from the same URL; the public reads answer
// from the page and their curl without credentials, so every demo
// operation returns 2xx both ways. The page stays readable in light and
// dark mode at 1280 and 390 px.
func TestDemoAuthorizeThenCallSecuredOperations(t *testing.T) {
	page := NewPage(t, playwright.BrowserNewContextOptions{Permissions: []string{"clipboard-read", "clipboard-write"}})
	base := startDemoPortal(t)
	expect := playwright.NewPlaywrightAssertions(10000)
	step := Steps(t, page, "demo-authorize-")
	_, err := page.Goto(base + "/catalog/default/api/petstore/definition")
	step("open the definition", err)
	panel := page.Locator(`[data-testid="authorize"]`)
	step("panel shown", expect.Locator(panel).ToBeVisible())
	step("open the panel", panel.Locator(`[data-testid="authorize-summary"]`).Click())
	step("demo key documented", expect.Locator(panel.Locator(`[data-testid="auth-api_key"]`)).ToContainText("demo-key"))
	step("key", panel.Locator(`[data-testid="auth-api_key-value"]`).Fill("demo-key"))
	step("authorize key", panel.Locator(`[data-testid="auth-save-api_key"]`).Click())
	step("key authorized", expect.Locator(panel.Locator(`[data-testid="auth-state-api_key"]`)).ToHaveText("authorized"))

	// openOp expands an operation and points it at the portal's own server.
	openOp := func(id string) playwright.Locator {
		t.Helper()
		op := page.Locator("details#op-" + id)
		step(id+" expand", op.Locator("summary").First().Click())
		step(id+" form", expect.Locator(op.Locator(`[data-testid="try-form"]`)).ToBeVisible())
		options, err := op.Locator(`[data-testid="try-server"] option`).AllTextContents()
		step(id+" servers", err)
		for i, o := range options {
			if strings.HasPrefix(strings.TrimSpace(o), base+"/demo-api/petstore/v1") {
				_, err = op.Locator(`[data-testid="try-server"]`).SelectOption(playwright.SelectOptionValues{Values: &[]string{strconv.Itoa(i)}})
				step(id+" server", err)
				return op
			}
		}
		t.Fatalf("%s: no server option points at %s: %q", id, base, options)
		return op
	}
	// runCurl copies the operation's curl sample and runs it with env.
	runCurl := func(op playwright.Locator, env ...string) string {
		t.Helper()
		step("copy as curl", op.Locator(`[data-testid="try-result"] [data-testid="copy-curl"]`).Click())
		copied, err := page.Evaluate(`navigator.clipboard.readText()`)
		step("read clipboard", err)
		curl, _ := copied.(string)
		cmd := exec.Command("sh", "-c", curl)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("curl %q: %v\n%s", curl, err, out)
		}
		return curl + "\n" + string(out)
	}

	create := openOp("createPet")
	step("createPet says authorized", expect.Locator(create.Locator(`[data-testid="op-auth-api_key"]`)).Not().ToContainText("not authorized"))
	step("body", create.Locator(`[data-testid="try-body"]`).Fill(`{"name":"Kitty","tag":"cat"}`))
	step("sample reads the key", expect.Locator(create.Locator(`[data-testid="try-result"] [data-testid="sample-curl"]`)).ToContainText(`X-Api-Key: '"$API_KEY"`))
	step("send createPet", create.Locator(`[data-testid="try-send"]`).Click())
	step("createPet 201", expect.Locator(create.Locator(`[data-testid="try-status"]`)).ToHaveText("201"))
	if out := runCurl(create, "API_KEY=demo-key"); !strings.Contains(out, "201 Created") {
		t.Errorf("the copied createPet curl did not add a pet:\n%s", out)
	}
	Screenshot(t, page, "demo-authorize-key-201")

	step("log the key out", panel.Locator(`[data-testid="auth-clear-api_key"]`).Click())
	step("key logged out", expect.Locator(panel.Locator(`[data-testid="auth-state-api_key"]`)).ToHaveText("not authorized"))
	flow := panel.Locator(`[data-testid="oauth-petstore_auth-clientCredentials"]`)
	step("token URL shown", expect.Locator(flow).ToContainText(base+"/demo-api/petstore/v1/oauth/token"))
	step("client id", panel.Locator(`[data-testid="oauth-petstore_auth-client-id"]`).Fill("demo-client"))
	step("client secret", panel.Locator(`[data-testid="oauth-petstore_auth-client-secret"]`).Fill("demo-secret"))
	step("scope", flow.Locator(`[data-testid="oauth-scope-pets:write"]`).Check())
	step("get token", panel.Locator(`[data-testid="oauth-run-petstore_auth-clientCredentials"]`).Click())
	step("token received", expect.Locator(panel.Locator(`[data-testid="oauth-status-petstore_auth"]`)).ToContainText("Token received"))
	step("oauth authorized", expect.Locator(panel.Locator(`[data-testid="auth-state-petstore_auth"]`)).ToHaveText("authorized"))

	del := openOp("deletePet")
	step("petId", del.Locator(`[data-testid="param-petId"]`).Fill("3"))
	step("sample reads the token", expect.Locator(del.Locator(`[data-testid="try-result"] [data-testid="sample-curl"]`)).ToContainText(`Bearer '"$PETSTORE_AUTH"`))
	step("sample has no key", expect.Locator(del.Locator(`[data-testid="try-result"] [data-testid="sample-curl"]`)).Not().ToContainText(`X-Api-Key`))
	step("send deletePet", del.Locator(`[data-testid="try-send"]`).Click())
	step("deletePet 204", expect.Locator(del.Locator(`[data-testid="try-status"]`)).ToHaveText("204"))
	Screenshot(t, page, "demo-authorize-oauth-204")
	step("another petId", del.Locator(`[data-testid="param-petId"]`).Fill("2"))
	step("sample follows", expect.Locator(del.Locator(`[data-testid="try-result"] [data-testid="sample-curl"]`)).ToContainText("/pets/2"))
	if out := runCurl(del, "PETSTORE_AUTH="+demoToken(t, base)); !strings.Contains(out, "204 No Content") {
		t.Errorf("the copied deletePet curl did not remove the pet:\n%s", out)
	}

	// The public reads answer without credentials, from the page and
	// from their copied curl: with the writes above, every demo operation.
	show := openOp("showPetById")
	step("needs none", expect.Locator(show.Locator(`[data-testid="op-auth-none"]`)).ToBeVisible())
	step("petId to show", show.Locator(`[data-testid="param-petId"]`).Fill("1"))
	step("sample follows", expect.Locator(show.Locator(`[data-testid="try-result"] [data-testid="sample-curl"]`)).ToContainText("/pets/1"))
	step("send showPetById", show.Locator(`[data-testid="try-send"]`).Click())
	step("showPetById 200", expect.Locator(show.Locator(`[data-testid="try-status"]`)).ToHaveText("200"))
	if out := runCurl(show); !strings.Contains(out, "200 OK") || !strings.Contains(out, `"Rex"`) {
		t.Errorf("the copied showPetById curl:\n%s", out)
	}
	list := openOp("listPets")
	step("send listPets", list.Locator(`[data-testid="try-send"]`).Click())
	step("listPets 200", expect.Locator(list.Locator(`[data-testid="try-status"]`)).ToHaveText("200"))
	if out := runCurl(list); !strings.Contains(out, "200 OK") || !strings.Contains(out, `"Kitty"`) {
		t.Errorf("the copied listPets curl does not list the added pets:\n%s", out)
	}

	for _, size := range []struct{ w, h int }{{1280, 900}, {390, 844}} {
		step("viewport", page.SetViewportSize(size.w, size.h))
		for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
			step("colour scheme", page.EmulateMedia(playwright.PageEmulateMediaOptions{ColorScheme: scheme}))
			raw, err := page.Evaluate(contrastScript)
			step("measure", err)
			var res contrastResult
			b, _ := json.Marshal(raw)
			_ = json.Unmarshal(b, &res)
			name := fmt.Sprintf("demo-authorize-%d-%s", size.w, *scheme)
			Screenshot(t, page, name)
			for _, f := range res.Failures {
				t.Errorf("%s: %q %.2f:1 (needs %.1f) at %s", name, f.Text, f.Ratio, f.Need, f.Where)
			}
			if size.w == 390 && res.Overflow {
				t.Errorf("%s: the page is %d px wide: %v", name, res.Width, res.Wide)
			}
		}
	}
}

// demoToken gets a token from the demo's token URL as the scheme's
// description tells a reader to, for a copied sample.
func demoToken(t *testing.T, base string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"demo-client"}, "client_secret": {"demo-secret"}}
	resp, err := http.PostForm(base+"/demo-api/petstore/v1/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("demo token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}
