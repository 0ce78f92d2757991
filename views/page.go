// Package views holds Portico's templ components: the layout and the catalog
// pages. Views render the plain values handlers give them and never query
// anything. Feature areas keep their components in subpackages
// (views/apidocs, views/syncstatus, views/authviews) that use Layout.
package views

// Page is what the layout needs to know about the current request.
type Page struct {
	Title     string // this page's title, shown before the app title
	AppTitle  string // app.title from config
	Active    string // nav section: home, catalog, apis, search, providers
	User      *User  // the signed-in user; nil when signed out or sign-in is off
	SignIn    bool   // whether any sign-in is configured
	CSRFToken string // for forms that POST (hidden field "_csrf")
}

// User is the signed-in person as the header shows them.
type User struct {
	Ref       string // user entity ref, e.g. user:default/jdoe
	Name      string
	AvatarURL string
}
