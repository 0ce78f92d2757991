package pages

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/views"
)

// entityURL is the path of an entity's page.
func entityURL(r catalog.Ref) string { return views.EntityURL(r.Namespace, r.Kind, r.Name) }

// refLink links a ref found in entity data (spec.owner, a relation
// target). A ref that does not parse is shown as text.
func refLink(raw, defaultKind, namespace string) views.Link {
	if raw == "" {
		return views.Link{}
	}
	r, err := catalog.ParseRef(raw, defaultKind, namespace)
	if err != nil {
		return views.Link{Label: raw}
	}
	return views.Link{Label: displayRef(r, defaultKind, namespace), URL: entityURL(r)}
}

// displayRef shortens a ref the way people write it: without the default
// kind and without the entity's own namespace.
func displayRef(r catalog.Ref, defaultKind, namespace string) string {
	s := r.Name
	if !strings.EqualFold(r.Namespace, namespace) {
		s = r.Namespace + "/" + s
	}
	if !strings.EqualFold(r.Kind, defaultKind) {
		s = strings.ToLower(r.Kind) + ":" + s
	}
	return s
}

// specString reads a string field of spec; other types read as "".
func specString(e *catalog.Entity, key string) string {
	s, _ := e.Spec[key].(string)
	return s
}

// summarize shapes an entity for lists and tables.
func summarize(se *catalog.StoredEntity) (views.EntitySummary, error) {
	e, err := se.Decode()
	if err != nil {
		return views.EntitySummary{}, err
	}
	ref := e.Ref()
	return views.EntitySummary{
		Ref:         ref.String(),
		URL:         entityURL(ref),
		Kind:        e.Kind,
		Namespace:   ref.Namespace,
		Name:        e.Metadata.Name,
		Title:       cmp.Or(e.Metadata.Title, e.Metadata.Name),
		Description: e.Metadata.Description,
		Type:        specString(e, "type"),
		Lifecycle:   specString(e, "lifecycle"),
		Owner:       refLink(specString(e, "owner"), "group", ref.Namespace),
		System:      refLink(specString(e, "system"), "system", ref.Namespace),
		Tags:        e.Metadata.Tags,
		UpdatedAt:   se.UpdatedAt,
		Orphan:      e.Metadata.Annotations[catalog.AnnotationOrphan] == "true",
	}, nil
}

// summarizeAll shapes a list of stored entities, skipping (and logging)
// any that cannot be decoded rather than failing the whole page.
func (h *Handler) summarizeAll(items []*catalog.StoredEntity) []views.EntitySummary {
	out := make([]views.EntitySummary, 0, len(items))
	for _, se := range items {
		s, err := summarize(se)
		if err != nil {
			h.log.Error("decode stored entity", "entity", se.Ref.String(), "err", err)
			continue
		}
		out = append(out, s)
	}
	return out
}

// problemViews shapes validation problems for display.
func problemViews(ps []catalog.Problem) []views.ProblemView {
	out := make([]views.ProblemView, len(ps))
	for i, p := range ps {
		out[i] = views.ProblemView{File: p.File, Document: p.Document, Entity: p.Entity, Field: p.Field, Message: p.Message}
	}
	return out
}

// entityHeader shapes what every tab of an entity page shows on top.
func entityHeader(se *catalog.StoredEntity, e *catalog.Entity) views.EntityHeader {
	ref := e.Ref()
	h := views.EntityHeader{
		Ref:         ref.String(),
		Kind:        e.Kind,
		Namespace:   ref.Namespace,
		Name:        e.Metadata.Name,
		Title:       cmp.Or(e.Metadata.Title, e.Metadata.Name),
		Description: e.Metadata.Description,
		Type:        specString(e, "type"),
		Lifecycle:   specString(e, "lifecycle"),
		Owner:       refLink(specString(e, "owner"), "group", ref.Namespace),
		System:      refLink(specString(e, "system"), "system", ref.Namespace),
		Provider:    se.Provider,
		Tags:        e.Metadata.Tags,
		UpdatedAt:   se.UpdatedAt,
		Problems:    problemViews(se.Problems),
	}
	for _, c := range se.Conflicts {
		h.Conflicts = append(h.Conflicts, views.ConflictView{
			Provider: c.Provider, LocationKey: c.LocationKey,
			ExistingLocationKey: c.ExistingLocationKey, Location: c.Location, Message: c.Message,
		})
	}
	return h
}

// entityOverview shapes the Overview tab: links, labels, annotations and
// relations grouped by type.
func entityOverview(e *catalog.Entity) views.EntityOverview {
	ns := e.Ref().Namespace
	var o views.EntityOverview
	for _, l := range e.Metadata.Links {
		o.Links = append(o.Links, views.NewExternalLink(l.Title, l.URL))
	}
	o.Labels = keyValues(e.Metadata.Labels)
	o.Annotations = keyValues(e.Metadata.Annotations)
	o.Relations = relationGroups(e.Relations, ns)
	return o
}

// keyValues sorts a label or annotation map; values that are safe
// external URLs become links.
func keyValues(m map[string]string) []views.KeyValue {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]views.KeyValue, len(keys))
	for i, k := range keys {
		out[i] = views.KeyValue{Key: k, Value: m[k]}
		if href, ok := views.SafeExternalURL(m[k]); ok && !strings.HasPrefix(m[k], "mailto:") {
			out[i].Href = href
		}
	}
	return out
}

// relationGroups groups relations by type, each group's targets sorted.
func relationGroups(rels []catalog.Relation, namespace string) []views.RelationGroup {
	byType := map[string][]string{}
	for _, r := range rels {
		byType[r.Type] = append(byType[r.Type], r.TargetRef)
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	out := make([]views.RelationGroup, 0, len(types))
	for _, t := range types {
		targets := byType[t]
		slices.Sort(targets)
		targets = slices.Compact(targets)
		g := views.RelationGroup{Type: t}
		for _, target := range targets {
			g.Targets = append(g.Targets, refLink(target, "", namespace))
		}
		out = append(out, g)
	}
	return out
}
