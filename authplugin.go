package portico

import (
	"context"

	"github.com/a-h/templ"
	"github.com/porticohq/portico/auth"
	"github.com/porticohq/portico/views"
	"github.com/porticohq/portico/views/authviews"
)

// AuthPluginID is the id of the sign-in plugin; modules that add sign-in
// resolvers extend it.
const AuthPluginID = "auth"

// AuthPlugin is sign-in: GitHub (auth.providers.github.<env>), guest mode,
// sessions, static API tokens (backend.auth.externalAccess), CSRF protection
// and security headers. It offers SignInExtensions, so a module can add a
// resolver that signIn.resolvers then names. With no auth section the
// portal is open.
func AuthPlugin() Feature {
	return NewPlugin(AuthPluginID, func(r PluginRegistrar) error {
		s := r.Services()
		cfg, err := parseAuthConfig(s)
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
				SignInPage:   signInPage,
			})
			return err
		})
		return nil
	})
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

type signInExtensions struct{ r *auth.Resolvers }

func (x signInExtensions) AddSignInResolver(name string, r auth.SignInResolver) { x.r.Add(name, r) }
