package catalog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
)

// LocationSpec is a location as Backstage names it: a type (file, url, or a
// module's own) and a target. Its string form, "<type>:<target>", is what the
// managed-by annotations and location keys hold.
type LocationSpec struct {
	Type   string `json:"type"`
	Target string `json:"target"`
}

// String returns "<type>:<target>", Backstage's stringifyLocationRef.
func (l LocationSpec) String() string { return l.Type + ":" + l.Target }

// ParseLocationRef parses "<type>:<target>" as Backstage's parseLocationRef:
// the type is everything before the first colon and both parts must be
// non-empty.
func ParseLocationRef(s string) (LocationSpec, error) {
	typ, target, ok := strings.Cut(s, ":")
	if !ok || typ == "" || target == "" {
		return LocationSpec{}, fmt.Errorf("location ref %q is not of the form <type>:<target>", s)
	}
	return LocationSpec{Type: typ, Target: target}, nil
}

// TargetReader reads the locations of one source (a configured file
// location, a url location, a bucket) for ReadLocation and FollowLocations.
// It decides what a source may reach: a file location reads files inside
// the configured file locations' directories, a url location only hosts
// that backend.reading.allow permits.
type TargetReader interface {
	// ReadLocation returns the content of one concrete location (a file, a
	// URL, an object) and the Reader its entities' placeholders resolve
	// through. An error that wraps fs.ErrNotExist means the location does
	// not exist (a deleted file, a 404).
	ReadLocation(ctx context.Context, loc LocationSpec) ([]byte, Reader, error)
	// ResolveTarget turns a target as written in a Location entity read
	// from `from` (with the Location's type, or from's type when it sets
	// none) into the concrete locations it names: one, or every match of a
	// file glob (possibly none). An error says why the target is refused.
	ResolveTarget(ctx context.Context, from LocationSpec, typ, target string) (Resolved, error)
}

// Resolved is what a Location target names.
type Resolved struct {
	Locations []LocationSpec
	// Pattern is the absolute glob when the target was one: its matches
	// come and go without being an error, and a watcher follows it.
	Pattern string
}

// LocationRead is what one location holds.
type LocationRead struct {
	Location LocationSpec
	// Entities are the location's entities, with Source (Location is this
	// location, OriginLocation the root's) and LocationKey (this
	// location) set, as Backstage sets them.
	Entities []DeferredEntity
	// Failed is set when the location exists but could not be read or
	// parsed: what was stored from it stays.
	Failed *FailedSource
	// Missing reports that the location does not exist.
	Missing bool
	// Children are the locations that the Location entities in Entities
	// name, in order.
	Children []ChildLocation
	// Patterns are the absolute globs those Location entities name, matched
	// or not.
	Patterns []string
	// Reader is what the entities' placeholders resolve through; a
	// provider that watches what placeholders read asks it afterwards.
	Reader Reader
}

// ChildLocation is one location a Location entity names.
type ChildLocation struct {
	Location LocationSpec
	// Entity is the index in LocationRead.Entities of the Location entity
	// that names it; Field is the field (spec.target, spec.targets[1]).
	Entity int
	Field  string
	// Target is the target as written; Glob reports it was a pattern.
	Target string
	Glob   bool
}

// ReadLocation reads one location and resolves the targets of the Location
// entities it holds, without reading them. A target that cannot be resolved
// (outside what the source may reach, malformed) becomes a problem of the
// Location entity that names it; that entity then keeps its last good
// version, as in Backstage, while its other targets are still followed.
func ReadLocation(ctx context.Context, tr TargetReader, loc LocationSpec, origin string) LocationRead {
	out := LocationRead{Location: loc}
	var (
		data   []byte
		reader Reader
		err    error
	)
	if t, ok := tr.(*Targets); ok && loc.Type == "file" {
		// A file's bytes are parsed, never kept (the entities hold
		// copies), so its buffer serves the next file: a bulk load
		// allocated as much for reads as for everything it kept.
		data, reader, err = t.readLocation(ctx, loc, getBuffer(&readBuffers, 0))
		if err == nil {
			defer putBuffer(&readBuffers, data)
		}
	} else {
		data, reader, err = tr.ReadLocation(ctx, loc)
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			out.Missing = true
			return out
		}
		out.Failed = &FailedSource{Location: loc.String(), Problems: []Problem{{File: loc.String(), Message: err.Error()}}}
		return out
	}
	out.Reader = reader
	entities, problems := ParseYAML(data, Source{Location: loc.String(), OriginLocation: origin, Reader: reader})
	if len(problems) > 0 {
		out.Failed = &FailedSource{Location: loc.String(), Problems: problems}
	}
	for i := range entities {
		entities[i].LocationKey = loc.String()
		if strings.EqualFold(entities[i].Entity.Kind, "Location") {
			resolveTargets(ctx, tr, &out, &entities[i], i)
		}
	}
	out.Entities = entities
	return out
}

// readBuffers hold the bytes of descriptor files while they are parsed.
var readBuffers sync.Pool

// resolveTargets resolves spec.target and spec.targets of the Location
// entity d (at index in out.Entities) into out's children.
func resolveTargets(ctx context.Context, tr TargetReader, out *LocationRead, d *DeferredEntity, index int) {
	typ := out.Location.Type
	if t, ok := d.Entity.Spec["type"].(string); ok && t != "" {
		typ = t
	}
	for _, ft := range locationTargets(d.Entity.Spec) {
		if typ == "file" && strings.HasSuffix(ft.target, "/") {
			d.AddProblem(ft.field, fmt.Sprintf("a file target cannot end with a path separator: %q", ft.target))
			continue
		}
		res, err := tr.ResolveTarget(ctx, out.Location, typ, ft.target)
		if err != nil {
			d.AddProblem(ft.field, fmt.Sprintf("target %s: %v", ft.target, err))
			continue
		}
		if res.Pattern != "" {
			out.Patterns = append(out.Patterns, res.Pattern)
		}
		for _, l := range res.Locations {
			out.Children = append(out.Children, ChildLocation{Location: l, Entity: index, Field: ft.field, Target: ft.target, Glob: res.Pattern != ""})
		}
	}
}

type fieldTarget struct{ field, target string }

// locationTargets lists a Location's spec.target and spec.targets that are
// non-empty strings; validation reports the others.
func locationTargets(spec map[string]any) []fieldTarget {
	var out []fieldTarget
	if t, ok := spec["target"].(string); ok && t != "" {
		out = append(out, fieldTarget{"spec.target", t})
	}
	if list, ok := spec["targets"].([]any); ok {
		for i, v := range list {
			if t, ok := v.(string); ok && t != "" {
				out = append(out, fieldTarget{"spec.targets[" + strconv.Itoa(i) + "]", t})
			}
		}
	}
	return out
}

// AddProblem records a problem found while reading the entity (a Location
// target that could not be followed): ingest reports it like a validation
// problem, so the entity keeps its last good version.
func (d *DeferredEntity) AddProblem(field, message string) {
	d.Problems = append(d.Problems, Problem{
		File: d.Source.Location, Document: d.Source.Document,
		Entity: d.Entity.Ref().String(), Field: field, Message: message,
	})
}

// RegisteredLocation is a location registered through the API (POST
// /api/catalog/locations), kept in the database, shaped as Backstage's.
type RegisteredLocation struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Target string `json:"target"`
}

// Spec returns the location's type and target.
func (l RegisteredLocation) Spec() LocationSpec { return LocationSpec{Type: l.Type, Target: l.Target} }

// LocationStore is an optional Store capability: the registered locations.
type LocationStore interface {
	// CreateLocation records a location; an *Error with ECONFLICT when one
	// with the same type and target exists.
	CreateLocation(ctx context.Context, spec LocationSpec) (RegisteredLocation, error)
	// Locations lists the registered locations, oldest first.
	Locations(ctx context.Context) ([]RegisteredLocation, error)
	// LocationByID returns an *Error with ENOTFOUND for an unknown id.
	LocationByID(ctx context.Context, id string) (RegisteredLocation, error)
	// LocationBySpec returns the location with this type and target;
	// ENOTFOUND when there is none.
	LocationBySpec(ctx context.Context, spec LocationSpec) (RegisteredLocation, error)
	// DeleteLocation removes the location and returns it; ENOTFOUND for an
	// unknown id.
	DeleteLocation(ctx context.Context, id string) (RegisteredLocation, error)
	// UpdateLocation changes a location's type and target; ENOTFOUND for an
	// unknown id, ECONFLICT when another location has them.
	UpdateLocation(ctx context.Context, id string, spec LocationSpec) (RegisteredLocation, error)
}
