package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/porticohq/portico/auth/authtest"
)

// authCatalog: Jane (GitHub id 1001) is in team-a; she owns one API
// herself and team-a owns another; two more belong to others.
const authCatalog = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jdoe
  annotations: {github.com/user-id: "1001"}
spec:
  profile: {displayName: Jane Doe, email: jane@corp.example}
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: bob}
spec: {memberOf: [team-b]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: jane-api}
spec: {type: openapi, lifecycle: production, owner: user:jdoe, definition: "openapi: 3.0.0\ninfo: {title: Jane, version: '1'}\npaths: {}"}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: team-a-api}
spec: {type: openapi, lifecycle: production, owner: team-a, definition: "openapi: 3.0.0\ninfo: {title: A, version: '1'}\npaths: {}"}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: team-b-api}
spec: {type: openapi, lifecycle: production, owner: team-b, definition: "openapi: 3.0.0\ninfo: {title: B, version: '1'}\npaths: {}"}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: bob-api}
spec: {type: openapi, lifecycle: experimental, owner: user:bob, definition: "openapi: 3.0.0\ninfo: {title: Bob, version: '1'}\npaths: {}"}
`

func TestAuthGitHubSignInOwnedByMeSignOut(t *testing.T) {
	gh := authtest.New(authtest.User{
		Login: "jdoe", ID: 1001, Name: "Jane D.",
		Emails: []authtest.Email{{Email: "jane@corp.example", Primary: true, Verified: true}},
	})
	defer gh.Close()
	catalogFile := filepath.Join(t.TempDir(), "catalog-info.yaml")
	if err := os.WriteFile(catalogFile, []byte(authCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	base := StartPortal(t, fmt.Sprintf(`app:
  title: Auth E2E
catalog:
  locations:
    - {type: file, target: %q}
auth:
  environment: development
  session: {secret: e2e-session-secret-0123456789}
  providers:
    github:
      development:
        clientId: %s
        clientSecret: %s
        enterpriseInstanceUrl: %s
        signIn:
          resolvers:
            - resolver: userIdMatchingUserEntityAnnotation
            - resolver: usernameMatchingUserEntityName
`, catalogFile, gh.ClientID, gh.ClientSecret, gh.URL()))

	page := NewPage(t) // NewPage checks every HTML response's CSP

	// Signed out, the page we want sends us to sign in, keeping it as next.
	next := "/apis?lifecycle=production"
	mustGoto(t, page, base+next)
	if u := page.URL(); !strings.HasPrefix(u, base+"/signin?next=") {
		t.Fatalf("signed-out visit landed on %s", u)
	}
	Screenshot(t, page, "signin")
	click(t, page, `[data-testid="signin-github"]`)
	if err := WaitURL(page, base+next); err != nil {
		t.Fatalf("after sign-in: at %s, want %s: %v", page.URL(), base+next, err)
	}
	Screenshot(t, page, "signed-in")
	name, err := page.Locator(`[data-testid="user-name"]`).TextContent()
	if err != nil || strings.TrimSpace(name) != "Jane Doe" {
		t.Errorf("user name in header = %q (%v), want Jane Doe", name, err)
	}
	if len(gh.AuthorizeRequests()) != 1 || gh.AuthorizeRequests()[0].Get("code_challenge_method") != "S256" {
		t.Errorf("authorize requests: %v", gh.AuthorizeRequests())
	}

	// "Owned by me": exactly the APIs Jane and team-a own.
	mustGoto(t, page, base+"/apis")
	if n, _ := page.Locator(`[data-testid="owned-by-me"]`).Count(); n > 0 {
		click(t, page, `[data-testid="owned-by-me"]`)
		if err := WaitURL(page, regexp.MustCompile(`[?&]owned=me(&|$)`)); err != nil {
			t.Errorf("the Owned by me control does not set ?owned=me: %v", err)
		}
	} else {
		t.Errorf(`/apis has no "Owned by me" control (data-testid="owned-by-me")`)
		mustGoto(t, page, base+"/apis?owned=me")
	}
	Screenshot(t, page, "owned-by-me")
	got := resultNames(t, page)
	if want := []string{"jane-api", "team-a-api"}; !slices.Equal(got, want) {
		t.Errorf("Owned by me lists %v, want %v", got, want)
	}

	// Sign out; the old cookie must not open a page any more.
	cookies, err := page.Context().Cookies(base)
	if err != nil {
		t.Fatal(err)
	}
	click(t, page, `form[action="/auth/signout"] button`)
	if err := WaitURL(page, base+"/signin?signedout=1"); err != nil {
		t.Fatalf("after sign-out at %s: %v", page.URL(), err)
	}
	Screenshot(t, page, "signed-out")
	if txt, _ := page.Locator(`[data-testid="signin-notice"]`).TextContent(); !strings.Contains(txt, "signed out") {
		t.Errorf("sign-out notice = %q", txt)
	}

	replay := NewPage(t)
	var old []playwright.OptionalCookie
	for _, c := range cookies {
		old = append(old, c.ToOptionalCookie())
	}
	if err := replay.Context().AddCookies(old); err != nil {
		t.Fatal(err)
	}
	mustGoto(t, replay, base+"/catalog")
	if u := replay.URL(); !strings.HasPrefix(u, base+"/signin") {
		t.Errorf("the signed-out cookie still opens %s", u)
	}

	// Refused consent ends on a page that says so and offers a retry.
	gh.SetDeny(true)
	IgnoreConsoleErrors(replay, "status of 403") // the error page's own status, on purpose
	click(t, replay, `[data-testid="signin-github"]`)
	if err := replay.Locator(`[data-testid="signin-error"]`).WaitFor(); err != nil {
		t.Fatalf("no sign-in error after refused consent at %s: %v", replay.URL(), err)
	}
	Screenshot(t, replay, "consent-denied")
	if txt, _ := replay.Locator(`[data-testid="signin-error"]`).TextContent(); !strings.Contains(txt, "Sign-in was cancelled") {
		t.Errorf("error page says %q", txt)
	}
	if n, _ := replay.Locator(`[data-testid="signin-github"]`).Count(); n != 1 {
		t.Error("the error page offers no retry")
	}

	for _, p := range []playwright.Page{page, replay} {
		if CheckedHTML(p) == 0 {
			t.Error("no HTML response was checked for its CSP")
		}
	}
}

func mustGoto(t *testing.T, page playwright.Page, u string) {
	t.Helper()
	if _, err := page.Goto(u); err != nil {
		t.Fatalf("goto %s: %v", u, err)
	}
}

func click(t *testing.T, page playwright.Page, selector string) {
	t.Helper()
	if err := page.Locator(selector).First().Click(); err != nil {
		t.Fatalf("click %s at %s: %v", selector, page.URL(), err)
	}
}

// resultNames returns the entity names of the listing's rows, sorted.
func resultNames(t *testing.T, page playwright.Page) []string {
	t.Helper()
	rows, err := page.Locator(`[data-testid="result-row"] [data-testid="result-link"]`).AllTextContents()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, strings.TrimSpace(r))
	}
	slices.Sort(names)
	return names
}
