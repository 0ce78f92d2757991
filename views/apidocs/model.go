// Package apidocs holds the templ components of the API documentation
// pages: the definition view with its lazily expanded operations, the
// try-it-out form and result panel, the raw view and operation search.
// Components render the view models of this package (model.go,
// operation_model.go) and never fetch anything.
package apidocs

import (
	"strings"
)

// DefinitionView is the Definition tab of an API entity.
type DefinitionView struct {
	Namespace, Name string
	EntityTitle     string
	EntityURL       string // the entity page, owned by the pages feature
	BaseURL         string // /catalog/{ns}/api/{name}/definition
	Type            string // spec.type: openapi, asyncapi, graphql, ...
	Tab             string // "docs" or "raw"
	// Framed is set when the view sits inside the entity page's frame,
	// which already shows the entity's title and links back to it.
	Framed    bool
	Summary   *Summary
	Error     string // the definition could not be read at all
	LoadError string // the full definition could not be loaded: operations cannot be opened
	// MissingOp is an operation the URL asked for (?op= or /op/...) that
	// the definition does not have.
	MissingOp string
	Warnings  []string
	// Sidebar is the left pane: the definition's tags and operations.
	Sidebar SidebarView
	// Chunk is the run of operations the page lists (the first screen, or
	// the piece holding a deep link); the rest load as the reader scrolls.
	Chunk OpsChunk
	// PrefetchAll asks the page to fetch every operation once it has
	// loaded (a small definition: a few requests), so opening one is
	// instant.
	PrefetchAll bool
	// Webhooks are 3.1's webhooks, opened lazily like operations, without
	// try-it; OpenWebhook is rendered expanded (?webhook=).
	Webhooks    []OperationSummary
	OpenWebhook *OperationView
	// Models is one page of components.schemas (ModelPager), each opened
	// lazily; OpenModel is rendered expanded (?model=).
	Models     []ModelItem
	ModelPager Pager
	OpenModel  *ModelView
	Raw        RawView
	// Authorize is the Authorize panel (nil: no security schemes).
	Authorize *AuthorizeView
	// GraphQL is the query runner of a GraphQL API (nil for other types).
	GraphQL *GraphQLRunView
}

// OperationsPerChunk is how many operations one response lists: the page
// holds a chunk and asks for the next one as the reader scrolls to it, so
// the page of an API with 100,000 operations is no larger than one with 30.
const OperationsPerChunk = 30

// PrefetchAllOps is the most operations a definition may have for its page
// to fetch them all ahead (DefinitionView.PrefetchAll).
const PrefetchAllOps = 12

// OpsChunk is a run of a definition's operations in page order (tags in
// the order the definition declares them).
type OpsChunk struct {
	BaseURL         string
	Groups          []TagGroup
	From, To, Total int
	Filter          string
	// EarlierURL loads the operations before From (htmx) and EarlierPage
	// shows them without JavaScript; "" at the start.
	EarlierURL, EarlierPage string
	// NextURL loads the operations after To as the reader scrolls to them
	// (htmx) and NextPage shows them without JavaScript; "" at the end.
	NextURL, NextPage string
	Open              *OperationView // rendered expanded (?op=)
}

// Pager is a page of a long list (models, reference items), 1-based.
type Pager struct {
	Page, Pages, Total int
}

// TagGroup is the operations of one tag.
type TagGroup struct {
	Name        string
	ID          string // anchor of its heading
	Description string
	// Continued is set on a chunk's first group when the chunk before it
	// ended in the same tag: it has no heading of its own.
	Continued  bool
	Operations []OperationSummary
}

// RawView is the definition as text.
type RawView struct {
	Text      string
	Lang      string // json, yaml, graphql, protobuf, text
	Size      int
	Truncated bool
	Filename  string
}

// OperationView is one expanded operation.
type OperationView struct {
	BaseURL    string
	Key        string
	Op         *Operation // nil when Error is set
	Error      string
	Retry      bool // the definition is still loading: ask again
	Servers    []ServerChoice
	Schemes    []SecurityScheme // the schemes this operation's security uses
	TryEnabled bool
	TryNote    string // why try-it-out is off, when it is
	CSRFToken  string
	Samples    []Sample
	Result     *ResultView // a result to show (no-JS form post)
	Form       FormState
}

// FormState is the values the try-it form shows.
type FormState struct {
	Server      int
	Params      map[string]string // "in:name" → value
	Body        string
	ContentType string
}

// ServerChoice is one entry of the server select.
type ServerChoice struct {
	Index       int
	URL         string
	Description string
	Variables   []ServerVariable
	FromEntity  bool
}

// Sample is one code sample.
type Sample struct {
	Lang, Label, Code string
}

// ResultView is a try-it-out response, always shown as text.
type ResultView struct {
	Key        string // the operation (or "graphql"): ids of the panel's parts
	Status     int
	StatusText string
	Duration   string
	Size       string // "1.2 KB"
	Headers    [][2]string
	Body       string
	// Tokens is Body highlighted (JSON); nil shows Body as plain text.
	Tokens []Token
	// Shown is set when only the beginning of Body is on the page.
	Shown string
	// Binary is set when the body is not text: only the download offers it.
	Binary bool
	// Download is a data: URL of the body as application/octet-stream,
	// offered for binary and large bodies; DownloadName is its file name.
	Download     string
	DownloadName string
	Truncated    bool
	Error        string
	Samples      []Sample
}

// SearchView is /search: matching entities and matching operations.
type SearchView struct {
	Query      string
	Entities   []EntityHit
	Operations []OperationHit
	Note       string
	// OperationsNote reports a failed operation search.
	OperationsNote string
	// Indexing is set while the operation index is built for the first
	// time; the operations section polls PollURL until it is ready.
	Indexing *IndexProgress
	PollURL  string
	// StaleOperations marks hits from the previous index while a newer
	// one is built.
	StaleOperations bool
}

// IndexProgress is how far a build of the operation index has come.
type IndexProgress struct {
	Done, Total int
}

// EntityHit is one matching entity.
type EntityHit struct {
	Kind, Title, Description, URL string
}

// OperationHit is one matching operation with its deep link.
type OperationHit struct {
	APITitle string
	APIURL   string
	URL      string // deep link to the expanded operation
	// Webhook: a 3.1 webhook (Path is its name), which the API sends.
	Webhook bool
	OperationSummary
}

func methodClass(m string) string {
	return "inline-block w-16 text-center rounded px-1 text-xs font-bold uppercase " + methodColors(m)
}

// methodColors are an HTTP method's badge colours, in both schemes: one
// palette for the operation lines and the sidebar.
func methodColors(m string) string {
	switch strings.ToUpper(m) {
	case "GET":
		return "bg-blue-100 text-blue-800 dark:bg-blue-950 dark:text-blue-200"
	case "POST":
		return "bg-green-100 text-green-800 dark:bg-green-950 dark:text-green-200"
	case "PUT", "PATCH":
		return "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200"
	case "DELETE":
		return "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200"
	}
	return "bg-ink-100 text-ink-800 dark:bg-ink-800 dark:text-ink-200"
}

// MethodBadge is the class list of an HTTP method's small badge in the
// sidebar.
func MethodBadge(m string) string {
	return "inline-block w-12 shrink-0 rounded px-0.5 text-center font-mono text-[0.65rem] font-bold uppercase leading-4 " + methodColors(m)
}

func statusClass(status string) string {
	switch {
	case strings.HasPrefix(status, "2"):
		return "text-green-700"
	case strings.HasPrefix(status, "3"):
		return "text-blue-700"
	case strings.HasPrefix(status, "4"), strings.HasPrefix(status, "5"):
		return "text-red-700"
	}
	return "text-gray-700"
}
