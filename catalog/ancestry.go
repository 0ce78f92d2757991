package catalog

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

// maxAncestry bounds how many generations Ancestry climbs.
const maxAncestry = MaxLocationDepth + 2

// AncestryItem is one entity of an ancestry and its parents: the Location
// entities whose targets name the file (or URL) the entity was read from.
type AncestryItem struct {
	Entity  *StoredEntity
	Parents []Ref
}

// Ancestry returns ref's entity and, generation by generation, the Location
// entities that emitted it, as Backstage's ancestry endpoint does: the
// entity first, then its parents, their parents, and so on up to the
// Location that stands for a configured or registered location. Portico
// stores no parent edges; a parent is a Location whose spec.target or
// spec.targets, resolved as ingest resolves them, names the entity's
// managed-by-location.
func Ancestry(ctx context.Context, st Store, ref Ref) ([]AncestryItem, error) {
	root, err := st.ByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	locations, err := locationEntities(ctx, st)
	if err != nil {
		return nil, err
	}
	items := []AncestryItem{{Entity: root}}
	seen := map[string]bool{root.Ref.Key(): true}
	for i := 0; i < len(items) && i < maxAncestry; i++ {
		e, err := items[i].Entity.Decode()
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", items[i].Entity.Ref, err)
		}
		loc, err := ParseLocationRef(e.Metadata.Annotations[AnnotationManagedByLocation])
		if err != nil {
			continue
		}
		for _, p := range locations {
			if p.stored.Ref.Key() == items[i].Entity.Ref.Key() || !p.names(loc) {
				continue
			}
			items[i].Parents = append(items[i].Parents, p.stored.Ref)
			if !seen[p.stored.Ref.Key()] {
				seen[p.stored.Ref.Key()] = true
				items = append(items, AncestryItem{Entity: p.stored})
			}
		}
	}
	return items, nil
}

type locationEntity struct {
	stored *StoredEntity
	from   LocationSpec
	typ    string
	spec   map[string]any
}

// locationEntities reads every Location entity.
func locationEntities(ctx context.Context, st Store) ([]locationEntity, error) {
	var out []locationEntity
	q := Query{Filter: Filter{{{Key: "kind", Values: []string{"location"}}}}, Limit: 500}
	for {
		page, err := st.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("list Location entities: %w", err)
		}
		for _, se := range page.Items {
			if le, ok := locationEntityOf(se); ok {
				out = append(out, le)
			}
		}
		if page.NextCursor == "" {
			return out, nil
		}
		q.Cursor = page.NextCursor
	}
}

// locationEntityOf decodes a stored Location entity; false when it does
// not say where it was read from.
func locationEntityOf(se *StoredEntity) (locationEntity, bool) {
	e, err := se.Decode()
	if err != nil {
		return locationEntity{}, false
	}
	from, err := ParseLocationRef(e.Metadata.Annotations[AnnotationManagedByLocation])
	if err != nil {
		return locationEntity{}, false
	}
	typ := from.Type
	if t, ok := e.Spec["type"].(string); ok && t != "" {
		typ = t
	}
	return locationEntity{stored: se, from: from, typ: typ, spec: e.Spec}, true
}

// names reports whether one of the Location's targets names loc.
func (p locationEntity) names(loc LocationSpec) bool {
	if loc.Type != p.typ {
		return false
	}
	for _, ft := range locationTargets(p.spec) {
		switch p.typ {
		case "file":
			if p.from.Type != "file" {
				continue
			}
			abs := filepath.FromSlash(ft.target)
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(filepath.Dir(p.from.Target), abs)
			}
			abs = filepath.Clean(abs)
			if abs == loc.Target || (IsGlob(abs) && ParseGlob(abs).Match(loc.Target)) {
				return true
			}
		case "url":
			if u, err := resolveURL(p.from, ft.target); err == nil && strings.EqualFold(u, loc.Target) {
				return true
			}
		}
	}
	return false
}
