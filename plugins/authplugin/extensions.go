package authplugin

import "github.com/porticohq/portico/auth"

// Extensions is the extension point the auth plugin (id "auth") offers:
// named sign-in resolvers that config can then list under
// auth.providers.github.<env>.signIn.resolvers. A module finds it with
// portico.ExtensionPoint[authplugin.Extensions](r).
type Extensions interface {
	AddSignInResolver(name string, r auth.SignInResolver)
}
