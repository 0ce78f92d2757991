package store

import (
	"strings"

	"github.com/porticohq/portico/catalog"
)

// predicate adds a filter predicate to w as one condition, ANDed with the
// filter's. Every field test is an IN over the table that holds the field
// (entities' columns, relations, search) as Backstage's catalog writes it,
// so that $not is a plain NOT: none of the tests can be NULL.
func (w *whereBuilder) predicate(p *catalog.Predicate) {
	if p != nil {
		w.conds = append(w.conds, w.predicateCond(p))
	}
}

func (w *whereBuilder) predicateCond(p *catalog.Predicate) string {
	switch p.Op {
	case catalog.PredicateNot:
		return "NOT (" + w.predicateCond(p.Args[0]) + ")"
	case catalog.PredicateAll, catalog.PredicateAny:
		if len(p.Args) == 0 {
			if p.Op == catalog.PredicateAll {
				return "1 = 1"
			}
			return "1 = 0"
		}
		op := " AND "
		if p.Op == catalog.PredicateAny {
			op = " OR "
		}
		parts := make([]string, len(p.Args))
		for i, a := range p.Args {
			parts[i] = w.predicateCond(a)
		}
		return "(" + strings.Join(parts, op) + ")"
	}
	if len(p.Fields) == 0 {
		return "1 = 1"
	}
	parts := make([]string, len(p.Fields))
	for i, m := range p.Fields {
		parts[i] = w.fieldMatch(m)
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// fieldMatch is one field test. Keys and values fold case; values are not
// trimmed (unlike filter parameters, a predicate's values are JSON).
func (w *whereBuilder) fieldMatch(m catalog.FieldMatch) string {
	key := strings.ToLower(m.Key)
	switch m.Op {
	case catalog.MatchExists:
		if m.Exists {
			return w.match(key, nil)
		}
		return "NOT (" + w.match(key, nil) + ")"
	case catalog.MatchPrefix:
		return w.prefix(key, strings.ToLower(m.Prefix))
	}
	if len(m.Values) == 0 {
		return "1 = 0" // {$in: []}
	}
	vals := make([]any, len(m.Values))
	for i, v := range m.Values {
		vals[i] = strings.ToLower(v)
	}
	return w.match(key, vals)
}

// maxPrefix is longer than any value a field test can match (search
// values are cut at 200 characters, names at 253) and well below SQLite's
// 50,000-byte limit on a LIKE pattern.
const maxPrefix = 1024

// prefix is "the field key has a value starting with prefix".
func (w *whereBuilder) prefix(key, prefix string) string {
	if len(prefix) > maxPrefix {
		return "1 = 0" // longer than any stored value; SQLite refuses such a LIKE
	}
	like := escapeLike(prefix) + "%"
	return w.fieldTest(key, func(col string) string {
		w.args = append(w.args, like)
		return col + " LIKE ? ESCAPE '!'"
	})
}
