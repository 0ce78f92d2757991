package views

import (
	"bytes"
	"context"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

// renderDoc renders c into a goquery document.
func renderDoc(t *testing.T, ctx context.Context, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestLayoutUserMenu(t *testing.T) {
	tests := []struct {
		name   string
		page   Page
		testid string
	}{
		{"signed in", Page{User: &User{Name: "Jane Doe"}, SignIn: true, CSRFToken: "tok"}, "user-name"},
		{"signed out", Page{SignIn: true}, "sign-in"},
		{"no sign-in configured", Page{}, "open-portal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := renderDoc(t, context.Background(), Layout(tt.page, templ.NopComponent))
			menu := doc.Find(`[data-testid="user-menu"]`)
			if menu.Find(`[data-testid="`+tt.testid+`"]`).Length() != 1 {
				t.Errorf("user menu lacks %s: %s", tt.testid, menu.Text())
			}
			if tt.page.User != nil {
				if v, _ := menu.Find(`form[action="/auth/signout"] input[name="_csrf"]`).Attr("value"); v != "tok" {
					t.Errorf("sign-out form csrf %q", v)
				}
			}
		})
	}
}

func TestLayoutHasNonceSkipLinkAndNoInlineScript(t *testing.T) {
	ctx := templ.WithNonce(context.Background(), "n0nce")
	doc := renderDoc(t, ctx, Layout(Page{Title: "T", Active: NavCatalog}, templ.NopComponent))
	scripts := doc.Find("script")
	if scripts.Length() != 1 {
		t.Fatalf("%d scripts, want only htmx", scripts.Length())
	}
	if n, _ := scripts.Attr("nonce"); n != "n0nce" {
		t.Errorf("script nonce %q", n)
	}
	if src, _ := scripts.Attr("src"); src == "" {
		t.Error("inline script")
	}
	if doc.Find("[style]").Length() != 0 {
		t.Error("inline style attribute")
	}
	if href, _ := doc.Find("body > a").First().Attr("href"); href != "#main" {
		t.Errorf("first link %q, want the skip link", href)
	}
	if got := doc.Find(`a[aria-current="page"]`).Text(); got != "Catalog" {
		t.Errorf("current nav %q", got)
	}
	if got := doc.Find("title").Text(); got != "T · Portico" {
		t.Errorf("title %q", got)
	}
}

func TestSafeExternalURL(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"https://example.com/docs", true},
		{"http://example.com", true},
		{"mailto:team@example.com", true},
		{"HTTPS://EXAMPLE.COM", true},
		{"javascript:alert(1)", false},
		{" javascript:alert(1)", false},
		{"data:text/html,hi", false},
		{"//example.com", false},
		{"/relative", false},
		{"https://", false},
		{"vbscript:x", false},
	}
	for _, tt := range tests {
		if _, ok := SafeExternalURL(tt.in); ok != tt.ok {
			t.Errorf("SafeExternalURL(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
	}
}
