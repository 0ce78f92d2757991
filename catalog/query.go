package catalog

// Filter is Backstage's entity filter: the sets are ORed, the conditions in
// a set are ANDed. An empty Filter matches every entity.
type Filter []FilterSet

// FilterSet is one `filter=` parameter: comma-separated conditions, ANDed.
type FilterSet []Condition

// Condition matches entities whose flattened field Key (a dotted path,
// lower-cased) has any of Values (lower-cased); with no Values it matches
// entities that have the key at all. Keys starting with "relations." match
// relation types and target refs (relations.ownedby=group:default/team-a).
type Condition struct {
	Key    string
	Values []string
}

// Order sorts by a dotted field path.
type Order struct {
	Field string
	Desc  bool
}

// Query is a by-query request after parsing.
type Query struct {
	Filter Filter
	// Predicate, when set, must hold too (POST by-query's query, ANDed with
	// Filter). Only a store that is a PredicateMatcher honours it.
	Predicate *Predicate
	Order     []Order
	Limit     int
	// Offset skips that many matches before the first item of the first
	// page; it is ignored when Cursor is set (the cursor says where to go on).
	Offset int
	// Cursor is opaque: produced by the store in Page, handed back by the
	// client. A cursor that does not parse is an EINVALID error.
	Cursor string
	// FullText matches entities containing every word of the term.
	FullText       string
	FullTextFields []string
	// SkipTotal leaves Page.TotalItems 0 instead of counting the matches
	// (Backstage's totalItems=exclude); a cursor keeps the choice.
	SkipTotal bool
	// HeadersOnly returns the items without their bodies: Ref, UID, Hash
	// and UpdatedAt are set, JSON is nil. It lets a caller that keeps
	// derived data per version (the operation search index) list 100,000
	// entities without reading their bodies, then fetch only the changed
	// ones. A store may ignore it and return whole items.
	HeadersOnly bool
}

// Page is one page of a by-query answer.
type Page struct {
	Items      []*StoredEntity
	TotalItems int
	NextCursor string
	PrevCursor string
}

// SearchRow is one flattened key/value of an entity, as indexed for filters.
type SearchRow struct {
	Key   string
	Value string
}
