package apidocs

// View models of the schema view, examples, callbacks, webhooks and the
// models section (schema.templ).

// MediaContent is one media type of a body or response.
type MediaContent struct {
	MediaType string
	Schema    *SchemaNode
	Example   string
	Generated bool // Example was generated from the schema
	Examples  []Example
}

// Example is one named example of a parameter, body or response.
type Example struct {
	Name        string
	Summary     string
	Description string // Markdown source
	Value       string
	External    string // externalValue: a URL shown as text, never fetched
}

// SchemaNode is one node of a schema tree as the page shows it. The tree
// is already bounded (depth, node count) where it was built; Cycle and
// Truncated mark the nodes that were not expanded. allOf arrives merged
// into Children (its parts named in Composed); oneOf/anyOf arrive as
// Variants.
type SchemaNode struct {
	Name          string // property name; "items" for array items; "" at the root
	Ref           string // component name when the schema came from a $ref
	ModelURL      string // link to the model in the models section, when Ref names one
	Title         string
	Type          string
	Format        string
	Description   string // plain text
	Required      bool
	Deprecated    bool
	ReadOnly      bool
	WriteOnly     bool
	Nullable      bool
	Enum          []string
	Composed      []SchemaPart
	Combinator    string // "oneOf" or "anyOf" when Variants are set
	Variants      []*SchemaNode
	Discriminator *Discriminator
	Children      []*SchemaNode
	Role          string // RolePrefixItem, RolePatternProperty, RoleNot; "" for properties and items
	Constraints   []Constraint
	Cycle         bool // refers back to a schema above it: not expanded again
	Truncated     bool // depth or node budget reached: not expanded
}

// SchemaPart is one allOf part of a merged schema.
type SchemaPart struct {
	Label string
	URL   string // the part's model, when it is one
}

// Discriminator names the property that picks a variant.
type Discriminator struct {
	PropertyName string
	Mapping      []DiscriminatorMapping
}

// DiscriminatorMapping is one value of the discriminator and its schema.
type DiscriminatorMapping struct {
	Value  string
	Target string // the model's name or the $ref as written
	URL    string // the model, when the target is one
}

// Callback is one named callback of an operation.
type Callback struct {
	Name       string
	Expression string // the runtime expression of the URL called
	Operations []*Operation
}

// ModelItem is one model as listed (closed) in the models section.
type ModelItem struct {
	Name string
	ID   string // URL- and id-safe: the anchor is "model-" + ID
}

// ModelsPerPage bounds the models one page of the models section lists
// (GitHub's 900 schemas: five pages of about 140 KB).
const ModelsPerPage = 200

// ModelView is one opened model: the htmx fragment and the page's open
// model.
type ModelView struct {
	BaseURL string
	Name    string
	ID      string
	Model   *Model // nil when Error is set
	Error   string
	Retry   bool // the definition is still loading: ask again
}

// Model is one entry of components.schemas.
type Model struct {
	Description string // Markdown source
	Schema      *SchemaNode
	Example     string
	Generated   bool
	Truncated   bool
}

// Roles of a child schema that is not a property (Name then holds the
// position, the pattern, or "not").
const (
	RolePrefixItem      = "prefixItem"
	RolePatternProperty = "patternProperty"
	RoleNot             = "not"
)

// Constraint is one validation keyword as a chip: the portal's Label and
// the definition's Value (text, escaped like any other).
type Constraint struct {
	Kind  string // the keyword, for tests and styling
	Label string
	Value string
}

// InputRules are the HTML checks of a parameter's try-it field; empty
// means none.
type InputRules struct {
	Number               bool
	Min, Max, Step       string
	Pattern              string
	MinLength, MaxLength string
}

// ResponseHeader is one header a response carries.
type ResponseHeader struct {
	Name        string
	Description string // Markdown source
	Required    bool
	Deprecated  bool
	Schema      *SchemaNode
}

// ResponseLink is one link of a response to another operation.
type ResponseLink struct {
	Name         string
	OperationID  string
	OperationURL string // the linked operation on this page, when OperationID names one
	OperationRef string
	Description  string // Markdown source
	Parameters   []LinkParameter
	RequestBody  string
}

// LinkParameter is one parameter a link fills, and with what.
type LinkParameter struct {
	Name, Value string
}
