package catalog

import (
	"context"
	"encoding/json"
	"time"
)

// Store is the catalog's storage, implemented by catalog/store over bun
// (SQLite or PostgreSQL). Every method is safe for concurrent use.
type Store interface {
	// Apply writes one processed mutation in one transaction.
	Apply(ctx context.Context, m StoreMutation) (ApplyResult, error)

	// Query answers by-query: filters, order, keyset cursor, full text.
	Query(ctx context.Context, q Query) (Page, error)
	// List answers the older GET /entities: filter, offset and limit.
	List(ctx context.Context, f Filter, offset, limit int) ([]*StoredEntity, error)
	// ByRef returns ErrNotFound for an unknown ref.
	ByRef(ctx context.Context, ref Ref) (*StoredEntity, error)
	// ByUID returns ErrNotFound for an unknown uid.
	ByUID(ctx context.Context, uid string) (*StoredEntity, error)
	// RemoveByUID deletes the entity with uid from whichever provider's
	// bucket holds it and returns it as it was; ErrNotFound for an unknown
	// uid. A provider that still emits the entity adds it again on its next
	// run, as in Backstage.
	RemoveByUID(ctx context.Context, uid string) (*StoredEntity, error)
	// ByRefs returns one item per ref, in order, nil where unknown or not
	// matching f (an empty Filter matches every entity).
	ByRefs(ctx context.Context, refs []Ref, f Filter) ([]*StoredEntity, error)
	// Facets counts the values of each facet (a dotted path) among the
	// entities matching f.
	Facets(ctx context.Context, facets []string, f Filter) (map[string][]FacetCount, error)
	// Recent returns the most recently changed entities.
	Recent(ctx context.Context, limit int) ([]*StoredEntity, error)
	// SourceProblems returns the problems recorded against sources and
	// against entities that never had a valid version.
	SourceProblems(ctx context.Context) ([]SourceProblem, error)
	// Generation changes whenever a mutation commits in this process; caches
	// of query results key on it.
	Generation() uint64
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// SharedGenerations is an optional Store capability of a store several
// processes write (PostgreSQL replicas): a generation that every one of
// their writes changes, for caches that must not outlive another
// replica's write.
type SharedGenerations interface {
	ReplicasGeneration(ctx context.Context) (uint64, error)
}

// ReplicasGeneration is st's generation as every process sharing its
// database changes it (SharedGenerations), or its Generation when only
// this process writes it.
func ReplicasGeneration(ctx context.Context, st Store) (uint64, error) {
	if sg, ok := st.(SharedGenerations); ok {
		return sg.ReplicasGeneration(ctx)
	}
	return st.Generation(), nil
}

// TextFacetCounter is an optional Store capability: facet counts among the
// entities that match a filter and a full-text term, so a search page's
// facet counts describe the results it shows.
type TextFacetCounter interface {
	FacetsWithText(ctx context.Context, facets []string, f Filter, fullText string) (map[string][]FacetCount, error)
}

// PredicateMatcher is an optional Store capability: Query honours
// Query.Predicate, and ByRefs and Facets have forms that also take a
// filter predicate. The API answers filter predicates only over a store
// that has it, rather than ignore them.
type PredicateMatcher interface {
	ByRefsMatching(ctx context.Context, refs []Ref, f Filter, p *Predicate) ([]*StoredEntity, error)
	FacetsMatching(ctx context.Context, facets []string, f Filter, p *Predicate) (map[string][]FacetCount, error)
}

// BulkLoader is an optional Store capability: before a load of about n
// entities arriving as many mutations, the store may stop maintaining
// indexes it can build faster at the end, and prepare what the load will
// leave stale; end builds them or refreshes it (statistics, say) and must
// run once the load is over, failed or not (see Catalog.BeginBulkLoad).
type BulkLoader interface {
	BeginBulkLoad(ctx context.Context, n int) (end func(context.Context) error, err error)
}

// StoreMutation is a mutation after processing, ready to be written.
type StoreMutation struct {
	Provider string
	Type     MutationType
	Entities []ProcessedEntity
	Removed  []Ref
	Failed   []FailedSource
	// Orphan keeps the entities the mutation drops from the bucket, marked
	// backstage.io/orphan: 'true', instead of deleting them.
	Orphan bool
	// OrphanedBy is Mutation.OrphanedBy: what an orphan's
	// AnnotationOrphanedBy says.
	OrphanedBy map[string]string
}

// ProcessedEntity is one entity after ingest processing. When Problems is
// non-empty the entity is invalid: the store keeps its last good version (if
// any) and records the problems on it.
type ProcessedEntity struct {
	Ref         Ref
	LocationKey string
	Location    string // managed-by-location, for Failed-source matching
	Entity      *Entity
	Relations   []RelationRow
	Hash        string // content hash of entity + relations + location key
	Problems    []Problem
	// Storable marks an entity whose Problems were all found while reading
	// it (a Location target that is missing, refused or cyclic), not in the
	// entity itself, which is processed in full (Hash and Relations set).
	// With no version stored yet, the store writes this one with the
	// problems recorded on it, so a Location whose first read has a
	// problem has a page that shows it; a stored version stays, as for any
	// invalid entity.
	Storable bool
	// Prepared is what a MutationPreparer store computed for this entity
	// ahead of Apply; other code leaves it alone.
	Prepared any
}

// StoredEntity is an entity as read back from the store.
type StoredEntity struct {
	Ref  Ref
	UID  string
	JSON []byte // the entity as the API returns it, relations included
	// Hash is the store's content hash of this version (entity, relations
	// and location key): equal hashes mean equal bodies.
	Hash        string
	Provider    string
	LocationKey string
	Problems    []Problem  // problems of the latest attempt; JSON is the last good version
	Conflicts   []Conflict // rejected claims by other location keys
	UpdatedAt   time.Time
}

// Decode parses the stored JSON.
func (s *StoredEntity) Decode() (*Entity, error) {
	var e Entity
	if err := json.Unmarshal(s.JSON, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// SourceProblem is a problem recorded for a provider's source.
type SourceProblem struct {
	Provider  string
	Location  string
	Problems  []Problem
	UpdatedAt time.Time
}

// FacetCount is one value of a facet and how many entities have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}
