package auth

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
)

func TestOwnedByFilterFindsWhatUserAndGroupsOwn(t *testing.T) {
	st := openStore(t, false)
	loadCatalog(t, st)
	chain, err := NewResolvers().Build(nil, "signIn")
	if err != nil {
		t.Fatal(err)
	}
	id, err := chain.Resolve(context.Background(), Profile{Login: "jdoe", ID: 1001}, StoreLookup{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	kindAPI := catalog.Filter{{{Key: "kind", Values: []string{"api"}}}}
	page, err := st.Query(context.Background(), catalog.Query{Filter: OwnedByFilter(kindAPI, &id), Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, item := range page.Items {
		names = append(names, item.Ref.Name)
	}
	slices.Sort(names)
	if want := []string{"jdoe-api", "team-a-api"}; !slices.Equal(names, want) {
		t.Errorf("owned by jdoe: %v, want %v", names, want)
	}
	// Nobody signed in owns nothing (not everything).
	page, err = st.Query(context.Background(), catalog.Query{Filter: OwnedByFilter(kindAPI, nil), Limit: 50})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("owned by nobody: %d items, err %v", len(page.Items), err)
	}
	if g := id.Groups(); !slices.Equal(g, []string{"group:default/team-a"}) {
		t.Errorf("groups = %v", g)
	}
	if !id.IsSelf(catalog.Ref{Kind: "User", Namespace: "default", Name: "JDoe"}) || id.IsSelf(catalog.Ref{Kind: "User", Namespace: "default", Name: "bob"}) {
		t.Error("IsSelf is wrong")
	}
}

func TestCookieAttributes(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, tt := range []struct {
		secure bool
		name   string
	}{{true, "__Host-portico_session="}, {false, "portico_session="}} {
		jar, err := newCookieJar(tt.secure, key, key, DefaultSessionDuration)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		if err := jar.set(w, sessionCookieBase, "some-session-id", DefaultSessionDuration); err != nil {
			t.Fatal(err)
		}
		h := w.Header().Get("Set-Cookie")
		for _, part := range []string{tt.name, "Path=/", "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(h, part) {
				t.Errorf("Set-Cookie %q lacks %q", h, part)
			}
		}
		if strings.Contains(h, "Secure") != tt.secure || strings.Contains(h, "Domain=") || len(h) > 4096 {
			t.Errorf("Set-Cookie %q: Secure must be %v, no Domain, < 4 KB", h, tt.secure)
		}
		if strings.Contains(h, "some-session-id") {
			t.Errorf("session id readable in cookie: %q", h)
		}
	}
}
