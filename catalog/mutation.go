package catalog

import "context"

// MutationType says how a mutation changes a provider's bucket.
type MutationType string

const (
	// Full replaces the provider's bucket with exactly the given entities
	// (applied as a delta: only changed rows are written).
	Full MutationType = "full"
	// Delta upserts Entities and removes Removed, leaving the rest alone.
	Delta MutationType = "delta"
)

// Mutation is what a provider hands the catalog after one run.
type Mutation struct {
	Type     MutationType
	Entities []DeferredEntity
	// Removed lists entities to delete (Delta only).
	Removed []Ref
	// Failed lists sources the provider could not read this run (a malformed
	// file, an object it could not fetch). Entities stored from a failed
	// source are kept as they are, even by a Full mutation, and the problems
	// are recorded against the source.
	Failed []FailedSource
	// Orphans marks a mutation of a provider that reads Locations (file and
	// url locations, registered locations): an entity it drops from its
	// bucket (Removed, or absent from a Full mutation) is no longer emitted
	// by its Location, so it is kept and marked backstage.io/orphan: 'true',
	// as Backstage does, unless the catalog's orphan strategy is delete.
	// Other providers' removals delete, as Backstage's applyMutation does.
	Orphans bool
	// OrphanedBy names, by Ref.Key(), the location that stopped emitting an
	// entity this mutation drops (see AnnotationOrphanedBy); optional.
	OrphanedBy map[string]string
	// Followed lists the locations ("<type>:<target>") that a provider
	// following Location entities read, and found, in the run this mutation
	// comes from. With it, the catalog names the location that stopped
	// emitting each orphan OrphanedBy does not name, from what is stored:
	// its managed-by-location when that was read, else the nearest Location
	// above it that was (its targets changed, or name a target that is gone).
	// A provider that keeps no graph between runs (url and registered
	// locations, a bucket) sets it rather than OrphanedBy.
	Followed []string
}

// DeferredEntity is an entity as a provider read it, before processing.
type DeferredEntity struct {
	Entity      Entity
	LocationKey string
	Source      Source
	// Problems found while reading the entity (a Location target that could
	// not be followed); ingest reports them with the validation problems.
	Problems []Problem
}

// Source says where an entity was read from. When Location is set it
// becomes the entity's managed-by annotations, replacing whatever the entity
// says (those annotations are the catalog's to set, and confine what its
// placeholders and definition may read), and it is the base that
// $text/$json/$yaml placeholders resolve against.
type Source struct {
	Location       string // "<type>:<target>", e.g. file:/srv/catalog/api.yaml
	OriginLocation string // the configured location, e.g. file:/srv/catalog/*.yaml
	Document       int    // 1-based document index within the file
	Reader         Reader // resolves placeholder targets; nil refuses placeholders
}

// runKey is the context key of the provider run whose mutation is read and
// applied.
type runKey struct{}

// WithRun returns ctx carrying the id of the provider run it reads and
// applies a mutation for; processors read it with RunOf (API history
// records which run first saw a definition).
func WithRun(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, runKey{}, id)
}

// RunOf is the provider run id ctx carries, "" when none.
func RunOf(ctx context.Context) string {
	id, _ := ctx.Value(runKey{}).(string)
	return id
}

// Reader reads the target of a $text, $json or $yaml placeholder relative to
// the location the entity was read from, within the limits of that location
// (base directory, URL allowlist, bucket). It returns the content and the
// absolute location it read, for messages.
type Reader interface {
	ReadRelative(ctx context.Context, target string) (data []byte, location string, err error)
}

// FailedSource is a source that could not be read in a run.
type FailedSource struct {
	Location string
	Problems []Problem
}

// ApplyResult counts what a mutation changed.
type ApplyResult struct {
	Added     int
	Updated   int
	Removed   int
	Unchanged int
	// Orphaned counts entities the mutation dropped that are kept as
	// orphans (see Mutation.Orphans).
	Orphaned int
	// Invalid counts entities that failed processing; each keeps its last
	// good version, if any, and carries its problems.
	Invalid   int
	Problems  []Problem
	Conflicts []Conflict
}

// Conflict records a rejected claim: a provider tried to write an entity
// that another location key already owns.
type Conflict struct {
	EntityRef           string `json:"entityRef"`
	Provider            string `json:"provider"`
	LocationKey         string `json:"locationKey"`
	ExistingLocationKey string `json:"existingLocationKey"`
	Location            string `json:"location,omitempty"`
	Message             string `json:"message"`
}
