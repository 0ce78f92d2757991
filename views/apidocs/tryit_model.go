package apidocs

// View models of try-it-out beyond the form: the Authorize panel, the
// response panel's highlighted body and the GraphQL query runner.

// AuthorizeView is the Authorize panel of an OpenAPI definition: one input
// group per security scheme. The values live in the browser's session
// storage under Key; the portal never stores them.
type AuthorizeView struct {
	BaseURL   string // the Definition tab; OAuth2 routes sit under it
	Key       string // session storage key (the definition's URL)
	CSRFToken string
	Schemes   []SecurityScheme
	// OAuth says the portal can run OAuth2 flows (try-it is on).
	OAuth bool
}

// OAuthFlow is one OAuth2 flow of a scheme.
type OAuthFlow struct {
	Type             string // clientCredentials, authorizationCode, implicit, password
	AuthorizationURL string
	TokenURL         string
	Scopes           []Scope
}

// Scope is one OAuth2 scope and what it grants.
type Scope struct {
	Name, Description string
}

// Token is one piece of a highlighted body: Class is a CSS class (empty
// for plain text) and Text is escaped when rendered like any other text.
type Token struct {
	Class, Text string
}

// OAuthResultView is the page the authorization-code callback shows: the
// token handed to the browser's session storage (by the script) or an
// error in words.
type OAuthResultView struct {
	BaseURL     string
	Key         string
	Scheme      string
	AccessToken string
	// RefreshToken, ExpiresIn, ClientID and RefreshURL let the tab refresh
	// the token when it expires; empty when the server gave none.
	RefreshToken string
	ExpiresIn    int64
	ClientID     string
	RefreshURL   string
	Error        string
}

// GraphQLRunView is the query runner of a GraphQL API.
type GraphQLRunView struct {
	BaseURL   string
	Endpoint  string // where queries go; empty when the entity names none
	Note      string // why the runner is off, when it is
	CSRFToken string
	Query     string
	Variables string
	Result    *ResultView
}
