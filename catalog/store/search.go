package store

import (
	"strconv"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// Backstage's limits for indexed search rows: longer keys are dropped,
// longer values are indexed as null (the key still "exists").
const (
	maxSearchKey   = 200
	maxSearchValue = 200
)

// searchRow is one flattened field: key and value lower-cased, raw the
// value as written (for facets). null marks a null or too-long value.
type searchRow struct {
	key, value, raw string
	null            bool
}

// flattener builds the search rows of one entity following Backstage's
// buildEntitySearch: dotted lower-cased keys, one row per array item plus a
// `<path>.<item> = true` row per string item, relations and status left out.
type flattener struct {
	rows []searchRow
	seen map[string]struct{}
}

func buildSearch(e *catalog.Entity) []searchRow {
	f := &flattener{rows: make([]searchRow, 0, 24), seen: make(map[string]struct{}, 24)}
	// kind, metadata.name, metadata.namespace and metadata.uid are columns
	// of entities (entityColumn), so they get no rows here.
	f.scalar("apiversion", e.APIVersion)
	m := &e.Metadata
	if m.Title != "" {
		f.scalar("metadata.title", m.Title)
	}
	if m.Description != "" {
		f.scalar("metadata.description", m.Description)
	}
	for k, v := range m.Labels {
		f.scalar("metadata.labels."+k, v)
	}
	for k, v := range m.Annotations {
		f.scalar("metadata.annotations."+k, v)
	}
	for _, t := range m.Tags {
		f.arrayString("metadata.tags", t)
	}
	for _, l := range m.Links {
		f.visit("metadata.links", map[string]any{"url": l.URL, "title": l.Title, "icon": l.Icon, "type": l.Type})
	}
	for k, v := range m.Extra {
		switch k {
		case "uid", "etag", "name", "namespace":
			continue
		}
		f.visit("metadata."+k, v)
	}
	for k, v := range e.Spec {
		f.visit("spec."+k, v)
	}
	return f.rows
}

func (f *flattener) visit(path string, v any) {
	switch t := v.(type) {
	case nil:
		f.add(path, "", true)
	case string:
		f.scalar(path, t)
	case bool:
		f.scalar(path, strconv.FormatBool(t))
	case float64:
		f.scalar(path, strconv.FormatFloat(t, 'f', -1, 64))
	case int:
		f.scalar(path, strconv.Itoa(t))
	case int64:
		f.scalar(path, strconv.FormatInt(t, 10))
	case uint64:
		f.scalar(path, strconv.FormatUint(t, 10))
	case map[string]any:
		for k, item := range t {
			f.visit(path+"."+k, item)
		}
	case map[string]string:
		for k, item := range t {
			f.scalar(path+"."+k, item)
		}
	case []any:
		for _, item := range t {
			if s, ok := item.(string); ok {
				f.arrayString(path, s)
				continue
			}
			f.visit(path, item)
		}
	case []string:
		for _, s := range t {
			f.arrayString(path, s)
		}
	case []map[string]any:
		for _, item := range t {
			f.visit(path, item)
		}
	}
}

func (f *flattener) arrayString(path, s string) {
	f.scalar(path, s)
	f.scalar(path+"."+s, "true")
}

func (f *flattener) scalar(path, value string) {
	f.add(path, value, false)
}

func (f *flattener) add(path, value string, null bool) {
	key := strings.ToLower(path)
	if len(key) > maxSearchKey {
		return
	}
	raw := value
	if !null && len(value) > maxSearchValue {
		null, value, raw = true, "", ""
	}
	if !null {
		value = strings.ToLower(value)
	}
	dedupe := key + "\x00" + value
	if null {
		dedupe = key + "\x01"
	}
	if _, ok := f.seen[dedupe]; ok {
		return
	}
	f.seen[dedupe] = struct{}{}
	f.rows = append(f.rows, searchRow{key: key, value: value, raw: raw, null: null})
}

// ftsText is the text the full-text index holds for an entity: the fields
// people search by, not whole definitions.
func ftsText(e *catalog.Entity) string {
	var b strings.Builder
	add := func(s string) {
		if s != "" {
			b.WriteString(s)
			b.WriteByte(' ')
		}
	}
	add(e.Kind)
	add(e.Metadata.Namespace)
	add(e.Metadata.Name)
	add(e.Metadata.Title)
	add(e.Metadata.Description)
	for _, t := range e.Metadata.Tags {
		add(t)
	}
	for _, k := range []string{"type", "lifecycle", "owner", "system", "domain", "profile"} {
		for _, s := range e.SpecStrings(k) {
			add(s)
		}
	}
	if p, ok := e.Spec["profile"].(map[string]any); ok {
		for _, k := range []string{"displayName", "email"} {
			if s, ok := p[k].(string); ok {
				add(s)
			}
		}
	}
	return strings.TrimSpace(b.String())
}
