// Package views holds Portico's templ components: the layout and the catalog
// pages. Views render the plain values handlers give them and never query
// anything. Feature areas keep their components in subpackages
// (views/apidocs, views/syncstatus, views/authviews) that use Layout.
package views

import (
	"strconv"
	"strings"
	"time"
)

// Page is what the layout needs to know about the current request.
type Page struct {
	Title     string // this page's title, shown before the app title
	AppTitle  string // app.title from config
	Active    string // nav section: home, catalog, apis, search, providers, register
	User      *User  // the signed-in user; nil when signed out or sign-in is off
	SignIn    bool   // whether any sign-in is configured
	CSRFToken string // for forms that POST (hidden field "_csrf")
	// AssetVersion is appended to the stylesheet's URL (?v=) so browsers
	// can cache /static for long and still see a new build at once.
	AssetVersion string
}

// User is the signed-in person as the header shows them.
type User struct {
	Ref       string // user entity ref, e.g. user:default/jdoe
	Name      string
	AvatarURL string
}

// Nav sections, the values of Page.Active.
const (
	NavHome      = "home"
	NavCatalog   = "catalog"
	NavAPIs      = "apis"
	NavSearch    = "search"
	NavProviders = "providers"
	NavRegister  = "register"
)

// navItem is one entry of the header's main navigation.
type navItem struct {
	Section string
	Label   string
	Href    string
}

// navItems are the header's sections in display order.
var navItems = []navItem{
	{NavHome, "Home", "/"},
	{NavCatalog, "Catalog", "/catalog"},
	{NavAPIs, "APIs", "/apis"},
	{NavSearch, "Search", "/search"},
	{NavProviders, "Providers", "/providers"},
	{NavRegister, "Register an API", "/catalog-import"},
}

// appTitle is the title shown when app.title is not configured.
func appTitle(p Page) string {
	if p.AppTitle == "" {
		return "Portico"
	}
	return p.AppTitle
}

// documentTitle is the <title>: the page's own title before the app's.
func documentTitle(p Page) string {
	if p.Title == "" {
		return appTitle(p)
	}
	return p.Title + " · " + appTitle(p)
}

// initials stands in for an avatar when the user has none.
func initials(name string) string {
	for _, r := range name {
		return string(r)
	}
	return "?"
}

// resultCount says how many entities a listing found.
func resultCount(n int) string {
	if n == 1 {
		return "1 entity"
	}
	return strconv.Itoa(n) + " entities"
}

// lower lower-cases an ASCII kind for URLs.
func lower(s string) string { return strings.ToLower(s) }

// orDash shows a dash for a missing value.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// timeOrDash formats a timestamp for display, a dash when unknown.
func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// stylesheetURL is the built CSS, versioned when the version is known.
func stylesheetURL(p Page) string {
	if p.AssetVersion == "" {
		return "/static/css/app.css"
	}
	return "/static/css/app.css?v=" + p.AssetVersion
}
