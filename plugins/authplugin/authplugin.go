// Package authplugin is the sign-in plugin (id "auth"): it reads the auth
// configuration, registers package auth's routes and middleware, and
// offers Extensions for modules that add sign-in resolvers.
package authplugin

import (
	"context"

	"github.com/a-h/templ"

	"github.com/porticohq/portico"
	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/views"
	"github.com/porticohq/portico/views/authviews"
	"github.com/porticohq/portico/web/apidocs"
)

// ID is the id of the sign-in plugin; modules that add sign-in resolvers
// extend it.
const ID = "auth"

// Plugin is sign-in: GitHub (auth.providers.github.<env>), guest mode,
// sessions, static API tokens (backend.auth.externalAccess), CSRF protection
// and security headers. It offers Extensions, so a module can add a
// resolver that signIn.resolvers then names. With no auth section the
// portal is open.
func Plugin() portico.Feature {
	return portico.CheckConfig(portico.NewPlugin(ID, func(r portico.PluginRegistrar) error {
		s := r.Services()
		cfg, err := ParseConfig(s)
		if err != nil {
			return err
		}
		cfg.PublicMetrics = s.Settings.Metrics.Public
		resolvers := auth.NewResolvers()
		r.RegisterExtensionPoint(signInExtensions{resolvers})
		r.RegisterInit(func(ctx context.Context) error {
			_, err := auth.Register(ctx, s.Echo, auth.Options{
				Config:       cfg,
				BaseURL:      s.Settings.PublicURL(),
				AllowedHosts: s.Settings.Backend.AllowedHosts,
				CheckHost:    s.Settings.PublicURLConfigured(),
				AppTitle:     s.Settings.App.Title,
				Store:        s.Store,
				DB:           s.DB,
				Resolvers:    resolvers,
				Logger:       s.Logger,
				Clock:        s.Clock,
				OpenPaths:    openPaths(s.Demo),
				SignInPage:   signInPage,
			})
			return err
		})
		return nil
	}), CheckConfig)
}

type signInExtensions struct{ r *auth.Resolvers }

var _ Extensions = signInExtensions{}

func (x signInExtensions) AddSignInResolver(name string, r auth.SignInResolver) { x.r.Add(name, r) }

// ParseConfig reads auth and backend.auth for the auth package; the app
// plugin reads it too, to know whether sign-in is on. Errors name the file
// and the key path.
func ParseConfig(s *portico.Services) (auth.Config, error) {
	return parseConfig(s.RootConfig)
}

// CheckConfig refuses a bad auth or backend.auth section before the
// database opens (portico.CheckConfig); the app plugin checks it too.
func CheckConfig(root *config.Config) error {
	_, err := parseConfig(root)
	return err
}

func parseConfig(root *config.Config) (auth.Config, error) {
	return auth.ParseConfig(root.Sub("auth"), root.Sub("backend.auth"))
}

// openPaths are the APIs the binary serves for try-it: the demo Petstore in
// demo mode (issue 14: its POST failed the portal's own CSRF check).
func openPaths(demo bool) []string {
	if demo {
		return []string{apidocs.DemoAPIPrefix + "/"}
	}
	return nil
}

// signInPage renders auth's sign-in page in the portal's layout.
func signInPage(v auth.SignInView) templ.Component {
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
