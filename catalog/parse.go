package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// ParseYAML reads every document of a descriptor file (YAML or JSON) into
// entities. Empty documents are skipped. A document whose envelope has the
// wrong shape (metadata.labels not an object, ...) yields a problem instead
// of an entity; malformed YAML yields one problem for the document where
// parsing stopped, and the documents before it are still returned. Callers
// turn problems into a FailedSource, so nothing stored from the file is
// deleted because of them. source.Document is set per entity.
func ParseYAML(data []byte, source Source) ([]DeferredEntity, []Problem) {
	if lifted, blocks := liftBlockScalars(data, liftPrefix); blocks != nil {
		out, problems := parseDocuments(lifted, source, blocks)
		putBuffer(&liftBuffers, lifted) // the entities hold copies
		if len(problems) == 0 && blocks.complete() {
			return out, nil
		}
		// Report exactly what the parser says about the original text, and
		// read it unlifted when a token ended up inside another scalar.
	}
	return parseDocuments(data, source, nil)
}

// liftPrefix starts the tokens that stand in for lifted block scalars; no
// descriptor contains it by accident.
const liftPrefix = "portico-lifted-block-7f3a9c2e51d04b86-"

func parseDocuments(data []byte, source Source, blocks *liftedBlocks) ([]DeferredEntity, []Problem) {
	var (
		out      []DeferredEntity
		problems []Problem
	)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for doc := 1; ; doc++ {
		var raw any
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			problems = append(problems, Problem{
				File: source.Location, Document: doc,
				Message: "malformed YAML: " + trimYAMLPrefix(err.Error()),
			})
			break
		}
		if raw == nil {
			continue
		}
		src := source
		src.Document = doc
		if p, over := depthProblem(raw, src); over {
			problems = append(problems, p)
			continue
		}
		if blocks != nil {
			raw = blocks.restore(raw)
		}
		e, ps := EntityFromObject(raw, src)
		if len(ps) > 0 {
			problems = append(problems, ps...)
			continue
		}
		out = append(out, DeferredEntity{Entity: *e, Source: src})
	}
	return out, problems
}

func trimYAMLPrefix(s string) string {
	if len(s) > 6 && s[:6] == "yaml: " {
		return s[6:]
	}
	return s
}

// EntityFromObject builds an Entity from a decoded YAML or JSON document,
// checking the type of each envelope field. Problems name source.Location,
// source.Document, the entity ref when it is known, and the field.
func EntityFromObject(raw any, source Source) (*Entity, []Problem) {
	b := entityBuilder{source: source}
	obj, ok := Normalize(raw).(map[string]any)
	if !ok {
		b.fail("", notObjectMessage+", not "+typeName(raw))
		return nil, b.problems
	}
	e := b.build(obj)
	if len(b.problems) > 0 {
		return nil, b.problems
	}
	return e, nil
}

// notObjectMessage starts the problem for a document that is not a mapping.
const notObjectMessage = "document must be an object with apiVersion, kind, metadata and spec"

type entityBuilder struct {
	source   Source
	ref      string
	problems []Problem
}

func (b *entityBuilder) fail(field, msg string) {
	b.problems = append(b.problems, Problem{
		File: b.source.Location, Document: b.source.Document,
		Entity: b.ref, Field: field, Message: msg,
	})
}

func (b *entityBuilder) build(obj map[string]any) *Entity {
	e := &Entity{}
	e.APIVersion = b.str(obj, "apiVersion", "apiVersion")
	e.Kind = b.str(obj, "kind", "kind")
	meta, _ := obj["metadata"].(map[string]any)
	if v, ok := obj["metadata"]; ok && meta == nil {
		b.fail("metadata", "must be an object, not "+typeName(v))
	}
	e.Metadata.Name = b.str(meta, "name", "metadata.name")
	ns, hasNS := meta["namespace"]
	if s, ok := ns.(string); ok {
		e.Metadata.Namespace = s
	}
	if e.Kind != "" && e.Metadata.Name != "" {
		b.ref = e.Ref().String()
	}
	if hasNS {
		b.nonEmpty(meta, "namespace", "metadata.namespace")
	}
	b.metadata(meta, &e.Metadata)
	if v, ok := obj["spec"]; ok {
		spec, isMap := v.(map[string]any)
		if !isMap {
			b.fail("spec", "must be an object, not "+typeName(v))
		}
		e.Spec = spec
	}
	if e.APIVersion != "" || e.Kind != "" {
		b.rootFields(obj)
	}
	return e
}

// rootFields refuses what Backstage's Entity schema and
// NoForeignRootFieldsEntityPolicy refuse: any field at the root besides
// apiVersion, kind, metadata and spec. A document with neither apiVersion
// nor kind is not an entity at all, and is told so by validation instead.
func (b *entityBuilder) rootFields(obj map[string]any) {
	var foreign []string
	for k := range obj {
		switch k {
		case "apiVersion", "kind", "metadata", "spec":
		default:
			foreign = append(foreign, k)
		}
	}
	slices.Sort(foreign)
	for _, k := range foreign {
		switch k {
		case "relations", "status":
			b.fail(k, "is output-only: the catalog computes it, and refuses an entity that carries it")
		default:
			b.fail(k, "is not an entity field; the root holds only apiVersion, kind, metadata and spec")
		}
	}
}

func (b *entityBuilder) metadata(meta map[string]any, m *Metadata) {
	// Sorted, so the problems of one document come in the same order on
	// every run.
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		v := meta[k]
		field := "metadata." + k
		switch k {
		case "name", "namespace":
		case "uid", "etag":
			// Server-set: never read from input, but typed as Backstage's
			// EntityMeta schema types them.
			b.nonEmpty(meta, k, field)
		case "title":
			m.Title = b.nonEmpty(meta, k, field)
		case "description":
			m.Description = b.str(meta, k, field)
		case "labels":
			m.Labels = b.stringMap(v, field)
		case "annotations":
			m.Annotations = b.stringMap(v, field)
		case "tags":
			m.Tags = b.stringList(v, field)
		case "links":
			m.Links = b.links(v, field)
		default:
			if m.Extra == nil {
				m.Extra = map[string]any{}
			}
			m.Extra[k] = v
		}
	}
}

// str returns obj[key] when it is a string; a missing key is "". Null is
// not a string, as in Backstage's schemas.
func (b *entityBuilder) str(obj map[string]any, key, field string) string {
	v, ok := obj[key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		b.fail(field, "must be a string, not "+typeName(v))
	}
	return s
}

// nonEmpty is str for a field whose schema has minLength: 1.
func (b *entityBuilder) nonEmpty(obj map[string]any, key, field string) string {
	s := b.str(obj, key, field)
	if v, ok := obj[key]; ok && v == "" {
		b.fail(field, "must not be empty")
	}
	return s
}

func (b *entityBuilder) stringMap(v any, field string) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		b.fail(field, "must be an object, not "+typeName(v))
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		item := m[k]
		s, ok := item.(string)
		if !ok {
			b.fail(field+"."+k, "must be a string, not "+typeName(item)+" (quote the value)")
			continue
		}
		out[k] = s
	}
	return out
}

func (b *entityBuilder) stringList(v any, field string) []string {
	list, ok := v.([]any)
	if !ok {
		b.fail(field, "must be a list, not "+typeName(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			b.fail(field+"["+strconv.Itoa(i)+"]", "must be a string, not "+typeName(item))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (b *entityBuilder) links(v any, field string) []Link {
	list, ok := v.([]any)
	if !ok {
		b.fail(field, "must be a list, not "+typeName(v))
		return nil
	}
	out := make([]Link, 0, len(list))
	for i, item := range list {
		f := field + "[" + strconv.Itoa(i) + "]"
		m, ok := item.(map[string]any)
		if !ok {
			b.fail(f, "must be an object with url, not "+typeName(item))
			continue
		}
		out = append(out, Link{
			URL:   b.str(m, "url", f+".url"),
			Title: b.nonEmpty(m, "title", f+".title"),
			Icon:  b.nonEmpty(m, "icon", f+".icon"),
			Type:  b.nonEmpty(m, "type", f+".type"),
		})
	}
	return out
}

// Normalize turns YAML's decoded values into JSON-compatible ones: maps with
// non-string keys get string keys. Maps that need no change are reused.
func Normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, item := range t {
			if n, changed := normalizeChanged(item); changed {
				t[k] = n
			}
		}
		return t
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, item := range t {
			out[fmt.Sprint(k)] = Normalize(item)
		}
		return out
	case []any:
		for i, item := range t {
			if n, changed := normalizeChanged(item); changed {
				t[i] = n
			}
		}
		return t
	default:
		return v
	}
}

func normalizeChanged(v any) (any, bool) {
	switch v.(type) {
	case map[any]any:
		return Normalize(v), true
	case map[string]any, []any:
		Normalize(v)
		return v, false
	default:
		return v, false
	}
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64, float64:
		return "a number"
	case map[string]any, map[any]any:
		return "an object"
	case []any:
		return "a list"
	default:
		return fmt.Sprintf("%T", v)
	}
}
