package apidocs

// The view models below are what the definition and operation components
// render: plain data the handlers fill from the parsed definition, so the
// views never depend on how a definition is read.

// Summary is the header of an OpenAPI definition: what it is and where it
// is served.
type Summary struct {
	Format          string // "swagger-2.0", "openapi-3.0", "openapi-3.1", ...
	Title           string
	Version         string
	Description     string // Markdown source
	Servers         []Server
	SecuritySchemes []SecurityScheme
	ExternalDocs    *ExternalDocs
	TermsOfService  string
	Contact         *Contact
	License         *License
}

// Contact is info.contact.
type Contact struct{ Name, URL, Email string }

// License is info.license.
type License struct{ Name, URL, Identifier string }

// Server is one base URL a definition declares.
type Server struct {
	URL, Description string
}

// ServerVariable is a {name} placeholder of a server URL.
type ServerVariable struct {
	Name    string
	Default string
	Enum    []string
}

// SecurityScheme is one way an API authenticates callers.
type SecurityScheme struct {
	Name      string
	Type      string // apiKey, http, oauth2, openIdConnect, mutualTLS
	In        string // apiKey: query, header or cookie
	ParamName string // apiKey: the parameter's name
	Scheme    string // http: basic, bearer, ...
	// Description (Markdown) and Flows (oauth2) are for the Authorize panel.
	Description string
	Flows       []OAuthFlow
}

// ExternalDocs links to documentation outside the definition.
type ExternalDocs struct {
	URL, Description string
}

// OperationSummary is one operation as listed and found by search.
type OperationSummary struct {
	Key         string // URL- and id-safe
	Method      string // upper case
	Path        string
	OperationID string
	Summary     string
	Deprecated  bool
}

// Operation is the details of one operation.
type Operation struct {
	OperationSummary
	Description  string // Markdown source
	ExternalDocs *ExternalDocs
	Parameters   []Parameter
	RequestBody  *RequestBody
	Responses    []Response
	Security     [][]string // alternatives, each a list of scheme names ANDed
	Callbacks    []Callback
	Truncated    bool // schema trees were cut to keep the page small
}

// Parameter is one path, query, header or cookie parameter.
type Parameter struct {
	Name        string
	In          string
	Description string // Markdown source
	Required    bool
	Deprecated  bool
	Type        string
	Enum        []string
	Example     string // what the try-it form prefills
	Examples    []Example
	Input       InputRules
	Format      string
	Constraints []Constraint
}

// RequestBody is an operation's body.
type RequestBody struct {
	Description string
	Required    bool
	Contents    []MediaContent
}

// Response is one status code of an operation.
type Response struct {
	Status      string
	Description string
	Contents    []MediaContent
	Headers     []ResponseHeader
	Links       []ResponseLink
}
