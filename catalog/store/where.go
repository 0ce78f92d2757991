package store

import (
	"slices"
	"strings"

	"github.com/porticohq/portico/catalog"
)

// whereBuilder turns a catalog.Filter and a full-text term into a WHERE
// clause over entities aliased `e`. Fields that are columns of entities are
// matched there; relations.<type> from the relations table; every other
// dotted path from the search table.
type whereBuilder struct {
	dl    dialect
	conds []string
	args  []any
	// narrow says every condition reads of e only the columns
	// entities_page holds (pageColumns): a page query may then read that
	// index instead of the table (see from).
	narrow bool
	// walk, when set, can answer a default-ordered page without text or
	// predicate from the search index alone (see walk).
	walk *walk
}

// pageColumns are the columns of entities the index entities_page holds
// besides the id, on both dialects (migration 004).
var pageColumns = []string{"e.kind", "e.namespace", "e.name", "e.ref_key"}

// stayNarrow keeps w narrow only when the text, the predicate and the order
// add no column entities_page lacks: text and predicates may read any; an
// order field reads its column or, through e.id, the search table. It
// keeps w's walk only for the default order without text or predicate:
// the walk reads the search index alone, in ref-key order.
func (w *whereBuilder) stayNarrow(text string, pred *catalog.Predicate, order []sortField) {
	plain := strings.TrimSpace(text) == "" && pred == nil
	w.narrow = w.narrow && plain &&
		!slices.ContainsFunc(order, func(f sortField) bool { return f.arg == nil && !slices.Contains(pageColumns, f.expr) })
	if !plain || len(order) > 0 {
		w.walk = nil
	}
}

// from is the FROM clause of a page or count query over w: a narrow
// condition set reads entities_page where the dialect must be told to.
func (w *whereBuilder) from() string {
	if w.narrow {
		return w.dl.narrowEntities()
	}
	return " FROM entities e"
}

func (w *whereBuilder) clause() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func (w *whereBuilder) filter(f catalog.Filter) {
	var sets []string
	for _, set := range f {
		if len(set) == 0 {
			// An empty set matches everything, so the whole OR does.
			return
		}
		var conds []string
		for _, c := range set {
			conds = append(conds, w.condition(c))
		}
		sets = append(sets, "("+strings.Join(conds, " AND ")+")")
	}
	if len(sets) > 0 {
		w.conds = append(w.conds, "("+strings.Join(sets, " OR ")+")")
	}
}

// entityColumn maps filter keys that have their own lower-cased column.
// These fields have no search rows: every filter, order, facet and
// field-restricted text match on them reads the column (facets the value
// as written: facetColumn).
var entityColumn = map[string]string{
	"kind":               "e.kind",
	"metadata.namespace": "e.namespace",
	"metadata.name":      "e.name",
	"metadata.uid":       "e.uid",
}

func (w *whereBuilder) condition(c catalog.Condition) string {
	key := strings.ToLower(strings.TrimSpace(c.Key))
	vals := make([]any, 0, len(c.Values))
	for _, v := range c.Values {
		vals = append(vals, strings.ToLower(strings.TrimSpace(v)))
	}
	return w.match(key, vals)
}

// match is the condition "the field key (lower-cased) has one of vals
// (lower-cased)", or with no vals "has the field".
func (w *whereBuilder) match(key string, vals []any) string {
	return w.fieldTest(key, func(col string) string {
		if len(vals) == 0 {
			return ""
		}
		w.args = append(w.args, vals...)
		return col + " IN (" + placeholders(len(vals)) + ")"
	})
}

// fieldTest is "the field key has a value passing test", read where the
// field is kept: an entities column, the relations table (relations.<type>)
// or the search table. test appends its arguments and returns its
// condition on the value's column, or "" for "has the field".
func (w *whereBuilder) fieldTest(key string, test func(col string) string) string {
	if col, ok := entityColumn[key]; ok {
		if c := test(col); c != "" {
			return c
		}
		return "1 = 1"
	}
	if typ, ok := strings.CutPrefix(key, "relations."); ok {
		w.args = append(w.args, typ)
		q := "e.ref_key IN (SELECT r.source_key FROM relations r WHERE r.type_key = ?"
		if c := test("r.target_key"); c != "" {
			q += " AND " + c
		}
		return q + ")"
	}
	w.args = append(w.args, key)
	q := "e.id IN (SELECT s.entity_id FROM search s WHERE s.key = ?"
	if c := test("s.value"); c != "" {
		q += " AND " + c
	}
	return q + ")"
}

// fullText adds a match on every word of term: through the dialect's text
// index, or, when fields are named, as a substring of one of those fields
// (Backstage's fullTextFilterFields).
func (w *whereBuilder) fullText(term string, fields []string) {
	if strings.TrimSpace(term) == "" {
		return
	}
	if len(fields) > 0 {
		keys := make([]any, len(fields))
		for i, f := range fields {
			keys[i] = strings.ToLower(f)
		}
		var cols []string
		var searched []any
		for _, k := range keys {
			if col, ok := entityColumn[k.(string)]; ok {
				if !slices.Contains(cols, col) {
					cols = append(cols, col)
				}
			} else {
				searched = append(searched, k)
			}
		}
		for _, word := range strings.Fields(strings.ToLower(term)) {
			if len(word) > maxPrefix {
				// No value holds it; SQLite refuses so long a pattern.
				w.conds = append(w.conds, "1 = 0")
				continue
			}
			like := "%" + escapeLike(word) + "%"
			var alts []string
			for _, col := range cols {
				alts = append(alts, col+" LIKE ? ESCAPE '!'")
				w.args = append(w.args, like)
			}
			if len(searched) > 0 {
				alts = append(alts, "e.id IN (SELECT s.entity_id FROM search s WHERE s.key IN ("+
					placeholders(len(searched))+") AND s.value LIKE ? ESCAPE '!')")
				w.args = append(w.args, searched...)
				w.args = append(w.args, like)
			}
			w.conds = append(w.conds, "("+strings.Join(alts, " OR ")+")")
		}
		return
	}
	words := ftsWords(term)
	if len(words) == 0 {
		return
	}
	cond, args := w.dl.ftsMatch(words)
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`!`, `!!`, `%`, `!%`, `_`, `!_`)
	return r.Replace(s)
}
