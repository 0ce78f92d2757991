package auth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v5"
	"github.com/uptrace/bun"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
	"github.com/porticohq/portico/views"
	"github.com/porticohq/portico/views/authviews"
)

// openStore opens a real store: SQLite in a temp dir, or with pg=true a
// fresh PostgreSQL database (skipped without storetest.EnvPG).
func openStore(t *testing.T, pg bool) *store.Store {
	t.Helper()
	if pg {
		return storetest.Postgres(t)
	}
	return storetest.SQLite(t)
}

// loadCatalog ingests testdata/catalog.yaml through the real pipeline, so
// relations (memberOf, ownedBy) are derived as in production.
func loadCatalog(t *testing.T, st catalog.Store) {
	t.Helper()
	data, err := os.ReadFile("testdata/catalog.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := catalog.Source{Location: "file:testdata/catalog.yaml", OriginLocation: "file:testdata/catalog.yaml"}
	ents, problems := catalog.ParseYAML(data, src)
	if len(problems) > 0 {
		t.Fatalf("parse fixture: %v", problems)
	}
	res, err := catalog.New(st, catalog.Options{}).Apply(context.Background(), "test", catalog.Mutation{Type: catalog.Full, Entities: ents})
	if err != nil {
		t.Fatal(err)
	}
	if res.Invalid > 0 {
		t.Fatalf("fixture has %d invalid entities: %+v", res.Invalid, res)
	}
}

// portal is an echo server with auth registered and stand-in routes for the
// pages and the catalog API.
type portal struct {
	URL  string
	Auth *Auth
	srv  *httptest.Server
}

func startPortal(t *testing.T, cfg Config, st *store.Store, db *bun.DB) *portal {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	e := echo.New()
	opts := Options{Config: cfg, BaseURL: base, AppTitle: "Test Portal", DB: db, SignInPage: signInPage}
	if st != nil {
		opts.Store = st
	}
	a, err := Register(context.Background(), e, opts)
	if err != nil {
		t.Fatal(err)
	}
	page := func(c *echo.Context) error {
		p := pageOf(c, "Catalog", "Test Portal")
		who := "nobody"
		if p.User != nil {
			who = p.User.Name + " (" + p.User.Ref + ")"
		}
		return renderHTML(c, http.StatusOK, views.Layout(p, textComponent("signed in: "+who+" csrf="+p.CSRFToken)))
	}
	e.GET("/", page)
	e.GET("/catalog", page)
	e.GET("/healthz", func(c *echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/api/catalog/entities", func(c *echo.Context) error { return c.JSON(http.StatusOK, []any{}) })
	e.POST("/api/catalog/entities/by-refs", func(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]any{"items": []any{}}) })
	e.GET("/groups/:name", func(c *echo.Context) error {
		groups := MyGroups(c, catalog.Ref{Kind: "User", Namespace: "default", Name: c.Param("name")})
		cond, ok := OwnedByMe(c)
		return c.String(http.StatusOK, fmt.Sprintf("groups=%s owned=%v %s", strings.Join(groups, ","), ok, strings.Join(cond.Values, ",")))
	})
	e.DELETE("/api/catalog/entities/by-uid/:uid", func(c *echo.Context) error {
		if err := RequireUserOrToken(c); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	e.POST("/sync", func(c *echo.Context) error {
		if err := RequireUser(c); err != nil {
			return err
		}
		return c.String(http.StatusOK, "synced")
	})
	srv.Config.Handler = e
	srv.Start()
	t.Cleanup(srv.Close)
	return &portal{URL: base, Auth: a, srv: srv}
}

func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// noRedirect returns a client that stops at the first redirect.
func noRedirect(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// pageOf is the page header of the request, as the portal fills it.
func pageOf(c *echo.Context, title, appTitle string) views.Page {
	p := views.Page{Title: title, AppTitle: appTitle}
	id, signIn, csrf := PageInfo(c)
	p.SignIn, p.CSRFToken = signIn, csrf
	if id != nil {
		p.User = &views.User{Ref: id.UserRef, Name: id.Name, AvatarURL: id.AvatarURL}
	}
	return p
}

// signInPage renders the real sign-in page, as the auth plugin wires it.
func signInPage(v SignInView) templ.Component {
	p := views.Page{Title: "Sign in", AppTitle: v.AppTitle, SignIn: v.SignInEnabled, CSRFToken: v.CSRFToken}
	if id := v.Viewer; id != nil {
		p.User = &views.User{Ref: id.UserRef, Name: id.Name, AvatarURL: id.AvatarURL}
	}
	props := authviews.SignInProps{GitHub: v.GitHub, Guest: v.Guest, Next: v.Next, Notice: v.Notice}
	if e := v.Error; e != nil {
		props.Error = &authviews.SignInError{Title: e.Title, Message: e.Message, Retry: e.Retry}
	}
	return authviews.SignInPage(p, props)
}
