package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

// startDemoPortal runs the binary with no configuration, which is demo
// mode (the demo catalog and the demo Petstore API), on a free port.
func startDemoPortal(t *testing.T) string {
	t.Helper()
	bin := buildBinary(t)
	dir := t.TempDir()
	port := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:"+strconv.Itoa(port), "--database", "sqlite:"+filepath.Join(dir, "portico.db"))
	cmd.Dir = dir
	out := &syncWriter{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start portico: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("portico output:\n%s", out.String())
		}
	})
	if err := waitReady(base+"/readyz", exited, 30e9); err != nil {
		t.Fatalf("portico did not become ready: %v\noutput:\n%s", err, out.String())
	}
	return base
}

// TestAPIDocsPetstoreTryItOut: open the demo Petstore, expand an operation,
// call the built-in demo API through try-it-out, copy the curl command and
// run it, then open an operation by its deep link, with and without
// JavaScript.
func TestAPIDocsPetstoreTryItOut(t *testing.T) {
	page := NewPage(t, playwright.BrowserNewContextOptions{Permissions: []string{"clipboard-read", "clipboard-write"}})
	base := startDemoPortal(t)
	expect := playwright.NewPlaywrightAssertions(10000)
	step := Steps(t, page, "")
	defURL := base + "/catalog/default/api/petstore/definition"
	_, err := page.Goto(defURL)
	step("open the definition", err)
	step("title", expect.Locator(page.Locator(`[data-testid="api-title"]`)).ToHaveText("Pet Store API"))
	// The definition is a tab of the API's entity page, not a page apart.
	step("entity frame", expect.Locator(page.Locator(`[data-testid="entity-page"] [data-testid="tab-definition"][aria-current="page"]`)).ToBeVisible())
	step("overview tab", expect.Locator(page.Locator(`[data-testid="tab-overview"]`)).ToHaveAttribute("href", "/catalog/default/api/petstore"))
	op := page.Locator("details#op-listPets")
	step("expand listPets", op.Locator(":scope > summary").Click())
	step("details loaded", expect.Locator(op.Locator(`[data-testid="try-form"]`)).ToBeVisible())
	Screenshot(t, page, "1-operation-expanded")

	// The demo API is this portal: pick the server under its own address.
	options, err := op.Locator(`[data-testid="try-server"] option`).AllTextContents()
	step("server options", err)
	index := -1
	for i, o := range options {
		if strings.HasPrefix(strings.TrimSpace(o), base+"/demo-api/petstore/v1") {
			index = i
		}
	}
	if index < 0 {
		t.Fatalf("no server option points at this portal (%s); options: %q — the demo Petstore's server must be relative (/demo-api/petstore/v1) and apidocs.Options.BaseURL set", base, options)
	}
	_, err = op.Locator(`[data-testid="try-server"]`).SelectOption(playwright.SelectOptionValues{Values: &[]string{strconv.Itoa(index)}})
	step("choose the portal's server", err)
	step("limit", op.Locator(`[data-testid="param-limit"]`).Fill("2"))
	// The curl sample follows the fields as they are typed (issue 14).
	step("sample follows the field", expect.Locator(op.Locator(`[data-testid="try-result"] [data-testid="sample-curl"]`)).ToContainText(base+"/demo-api/petstore/v1/pets?limit=2"))

	// While the call runs: Send disabled, the result region busy, a
	// spinner with the elapsed time. The portal's answer is held back
	// 1.5 s so there is time to look.
	step("hold the answer", page.Route("**/op/listPets/try", func(r playwright.Route) {
		time.Sleep(1500 * time.Millisecond)
		_ = r.Continue()
	}))
	step("send", op.Locator(`[data-testid="try-send"]`).Click())
	step("Send disabled while running", expect.Locator(op.Locator(`[data-testid="try-send"]`)).ToBeDisabled())
	step("result busy", expect.Locator(op.Locator(`[data-testid="try-result"]`)).ToHaveAttribute("aria-busy", "true"))
	step("elapsed time shown", expect.Locator(op.Locator(`[data-testid="try-busy"]`)).ToContainText(regexp.MustCompile(`Sending… \d+\.\d s`)))
	Screenshot(t, page, "2-try-it-out-running")
	step("status 200", expect.Locator(op.Locator(`[data-testid="try-status"]`)).ToHaveText("200"))
	step("Send enabled again", expect.Locator(op.Locator(`[data-testid="try-send"]`)).ToBeEnabled())
	step("result no longer busy", expect.Locator(op.Locator(`[data-testid="try-result"]`)).Not().ToHaveAttribute("aria-busy", "true"))
	step("spinner gone", expect.Locator(op.Locator(`[data-testid="try-busy"]`)).ToHaveCount(0))
	step("release the answer", page.Unroute("**/op/listPets/try"))
	step("pretty body", expect.Locator(op.Locator(`[data-testid="try-body-out"]`)).ToContainText(`"name": "Rex"`))
	Screenshot(t, page, "2-try-it-out-200")

	step("copy as curl", op.Locator(`[data-testid="try-result"] [data-testid="copy-curl"]`).Click())
	copied, err := page.Evaluate(`navigator.clipboard.readText()`)
	step("read clipboard", err)
	curl, _ := copied.(string)
	if !strings.HasPrefix(curl, "curl ") {
		t.Fatalf("clipboard holds %q", curl)
	}
	got, err := exec.Command("sh", "-c", curl).CombinedOutput()
	if err != nil || !strings.Contains(string(got), "200 OK") || !strings.Contains(string(got), `"Rex"`) {
		t.Fatalf("the copied curl command %q gave %v:\n%s", curl, err, got)
	}

	deep := NewPage(t)
	_, err = deep.Goto(defURL + "#op-showPetById")
	step("open the deep link", err)
	step("deep link opens the operation", expect.Locator(deep.Locator(`details#op-showPetById [data-testid="operation-details"]`)).ToBeVisible())
	Screenshot(t, deep, "3-deep-link")

	noJS := NewPage(t, playwright.BrowserNewContextOptions{JavaScriptEnabled: playwright.Bool(false)})
	_, err = noJS.Goto(defURL + "?op=showPetById#op-showPetById")
	step("open the deep link without JS", err)
	step("opened without JS", expect.Locator(noJS.Locator(`details#op-showPetById[open] [data-testid="try-form"]`)).ToBeVisible())
	Screenshot(t, noJS, "4-deep-link-no-js")
}

// TestAPIDocsXSSDefinitionIsInert opens a definition whose every text field
// carries a payload, expands every operation, and expects no script to run,
// no dialog and no request the page did not make itself.
func TestAPIDocsXSSDefinitionIsInert(t *testing.T) {
	base := StartPortal(t, fmt.Sprintf(`app:
  title: E2E Portal
catalog:
  locations:
    - type: file
      target: %s
`, filepath.Join(moduleRoot(), "web", "apidocs", "testdata", "e2e-catalog.yaml")))
	page := NewPage(t)
	var mu sync.Mutex
	var unexpected []string
	dialogs := 0
	page.OnRequest(func(r playwright.Request) {
		u := r.URL()
		if !strings.HasPrefix(u, base+"/") || strings.Contains(u, "/evil") {
			mu.Lock()
			unexpected = append(unexpected, r.Method()+" "+u)
			mu.Unlock()
		}
	})
	page.OnDialog(func(d playwright.Dialog) {
		mu.Lock()
		dialogs++
		mu.Unlock()
		_ = d.Dismiss()
	})
	expect := playwright.NewPlaywrightAssertions(10000)
	_, err := page.Goto(base + "/catalog/default/api/xss/definition")
	if err != nil {
		t.Fatal(err)
	}
	ops := page.Locator("details.op")
	n, err := ops.Count()
	if err != nil || n == 0 {
		t.Fatalf("no operations (%v)", err)
	}
	for i := 0; i < n; i++ {
		if err := ops.Nth(i).Locator(":scope > summary").Click(); err != nil {
			t.Fatal(err)
		}
		if err := expect.Locator(ops.Nth(i).Locator(`[data-testid="operation-details"]`)).ToBeVisible(); err != nil {
			Screenshot(t, page, "failed-expand")
			t.Fatal(err)
		}
	}
	Screenshot(t, page, "xss-expanded")
	check := func(where string) {
		t.Helper()
		v, err := page.Evaluate(`typeof window.__xss`)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if v != "undefined" || dialogs != 0 || len(unexpected) != 0 {
			t.Fatalf("%s: payload ran: window.__xss is %v, %d dialogs, unexpected requests %q", where, v, dialogs, unexpected)
		}
	}
	check("definition with every operation expanded")
	for _, suffix := range []string{"?view=raw", "/op/" + firstKey(t, page, base)} {
		if _, err := page.Goto(base + "/catalog/default/api/xss/definition" + suffix); err != nil {
			t.Fatal(err)
		}
		check(suffix)
	}
}

// firstKey is the operation key of the XSS API's only operation.
func firstKey(t *testing.T, page playwright.Page, base string) string {
	t.Helper()
	id, err := page.Locator("details.op").First().GetAttribute("id")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(id, "op-")
}
