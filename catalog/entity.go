package catalog

import (
	"encoding/json"
	"maps"
)

// Well-known annotations the catalog sets or reads.
const (
	AnnotationManagedByLocation       = "backstage.io/managed-by-location"
	AnnotationManagedByOriginLocation = "backstage.io/managed-by-origin-location"
	AnnotationOrphan                  = "backstage.io/orphan"
	AnnotationSourceLocation          = "backstage.io/source-location"
	AnnotationViewURL                 = "backstage.io/view-url"
	AnnotationEditURL                 = "backstage.io/edit-url"
	// AnnotationDefinitionLocation is where spec.definition was read from
	// when it is a $text placeholder (file:/path or url:https://...), set
	// at ingest: the definition's relative $refs resolve against it, not
	// against the entity's own file.
	AnnotationDefinitionLocation = "portico.dev/definition-location"
	// AnnotationOrphanedBy is set on an orphan, when the provider or the
	// catalog knows it (Mutation.OrphanedBy, Mutation.Followed), to the
	// location that stopped emitting it: the Location whose targets no
	// longer name its file (which may sit several Locations below the
	// root), or its own file when the entity was removed from it.
	AnnotationOrphanedBy = "portico.dev/orphaned-by"
	DefaultNamespace     = "default"
)

// Entity is one catalog entity in Backstage's descriptor format. Relations and
// Status are outputs of ingest; they are never read from input, and a
// descriptor that carries them is refused, as Backstage refuses it.
type Entity struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Metadata   Metadata       `json:"metadata"`
	Spec       map[string]any `json:"spec,omitempty"`
	Relations  []Relation     `json:"relations,omitempty"`
	Status     *Status        `json:"status,omitempty"`
}

// Metadata is an entity's metadata block. Fields the catalog does not know are
// kept in Extra and written back unchanged, so nothing a user wrote is lost.
type Metadata struct {
	UID         string            `json:"uid,omitempty"`
	Etag        string            `json:"etag,omitempty"`
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Links       []Link            `json:"links,omitempty"`
	Extra       map[string]any    `json:"-"`
}

// Link is an entry of metadata.links.
type Link struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// Relation is a directed edge from the entity that carries it to TargetRef.
type Relation struct {
	Type      string `json:"type"`
	TargetRef string `json:"targetRef"`
}

// Status carries Backstage-style status items; Portico puts processing
// errors here so API clients see them as Backstage clients do.
type Status struct {
	Items []StatusItem `json:"items,omitempty"`
}

// StatusItem is one status entry, e.g. type backstage.io/catalog-processing.
type StatusItem struct {
	Type    string         `json:"type"`
	Level   string         `json:"level"`
	Message string         `json:"message"`
	Error   map[string]any `json:"error,omitempty"`
}

// metadataFields are the keys Metadata maps to struct fields.
var metadataFields = map[string]bool{
	"uid": true, "etag": true, "name": true, "namespace": true, "title": true,
	"description": true, "labels": true, "annotations": true, "tags": true, "links": true,
}

type metadataJSON Metadata

// MarshalJSON writes the known fields and merges Extra beside them.
func (m Metadata) MarshalJSON() ([]byte, error) {
	known, err := json.Marshal(metadataJSON(m))
	if err != nil || len(m.Extra) == 0 {
		return known, err
	}
	merged := make(map[string]any, len(m.Extra)+10)
	for k, v := range m.Extra {
		if !metadataFields[k] {
			merged[k] = v
		}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(known, &fields); err != nil {
		return nil, err
	}
	for k, v := range fields {
		merged[k] = v
	}
	return json.Marshal(merged)
}

// UnmarshalJSON reads the known fields and keeps every other key in Extra.
func (m *Metadata) UnmarshalJSON(data []byte) error {
	var known metadataJSON
	if err := json.Unmarshal(data, &known); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	*m = Metadata(known)
	for k, raw := range all {
		if metadataFields[k] {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if m.Extra == nil {
			m.Extra = map[string]any{}
		}
		m.Extra[k] = v
	}
	return nil
}

// Ref returns the entity's ref; an empty namespace means "default".
func (e *Entity) Ref() Ref {
	ns := e.Metadata.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return Ref{Kind: e.Kind, Namespace: ns, Name: e.Metadata.Name}
}

// Clone returns a deep copy, so processors can change an entity without
// touching the provider's value.
func (e *Entity) Clone() *Entity {
	c := *e
	c.Metadata.Labels = maps.Clone(e.Metadata.Labels)
	c.Metadata.Annotations = maps.Clone(e.Metadata.Annotations)
	c.Metadata.Tags = append([]string(nil), e.Metadata.Tags...)
	c.Metadata.Links = append([]Link(nil), e.Metadata.Links...)
	c.Metadata.Extra = deepCopyMap(e.Metadata.Extra)
	c.Spec = deepCopyMap(e.Spec)
	c.Relations = append([]Relation(nil), e.Relations...)
	if e.Status != nil {
		s := *e.Status
		s.Items = append([]StatusItem(nil), e.Status.Items...)
		c.Status = &s
	}
	return &c
}

// SpecString returns spec[key] when it is a string.
func (e *Entity) SpecString(key string) string {
	s, _ := e.Spec[key].(string)
	return s
}

// Definition returns an API's spec.definition as text: the string itself,
// or an inline object as indented JSON (nil when there is none).
func (e *Entity) Definition() []byte {
	switch t := e.Spec["definition"].(type) {
	case string:
		return []byte(t)
	case nil:
		return nil
	default:
		b, err := json.MarshalIndent(t, "", "  ")
		if err != nil {
			return nil
		}
		return b
	}
}

// SpecStrings returns spec[key] when it is a string or a list of strings.
func (e *Entity) SpecStrings(key string) []string {
	switch v := e.Spec[key].(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			if s, ok := item.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func deepCopyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopyValue(v)
	}
	return out
}

func deepCopyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return deepCopyMap(t)
	case []any:
		out := make([]any, len(t))
		for i, item := range t {
			out[i] = deepCopyValue(item)
		}
		return out
	default:
		return v
	}
}
