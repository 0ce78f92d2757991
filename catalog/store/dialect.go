package store

import (
	"strconv"
	"strings"
	"unicode"
)

// dialect holds what differs between SQLite and PostgreSQL beyond the
// migrations: placeholders and full-text matching. Everything else is
// written once in SQL both accept.
type dialect interface {
	name() string
	// rebind turns `?` placeholders into the dialect's form.
	rebind(query string) string
	// ftsMatch returns a condition on entities aliased `e` that holds when
	// the entity's text contains every word as a prefix, and its arguments.
	ftsMatch(words []string) (string, []any)
	// maxParams bounds the number of bind parameters in one statement.
	maxParams() int
}

type sqliteDialect struct{}

func (sqliteDialect) name() string           { return SQLite }
func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) maxParams() int         { return 30000 }
func (sqliteDialect) ftsMatch(words []string) (string, []any) {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + strings.ReplaceAll(w, `"`, `""`) + `"*`)
	}
	return "e.id IN (SELECT rowid FROM entities_fts WHERE entities_fts MATCH ?)", []any{b.String()}
}

type pgDialect struct{}

func (pgDialect) name() string   { return Postgres }
func (pgDialect) maxParams() int { return 60000 }

// rebind numbers the placeholders. Portico's SQL never puts `?` inside a
// string literal, so a plain scan is enough.
func (pgDialect) rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (pgDialect) ftsMatch(words []string) (string, []any) {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = w + ":*"
	}
	return "e.tsv @@ to_tsquery('simple', ?)", []any{strings.Join(parts, " & ")}
}

// ftsWords splits a search term into lower-cased words of letters and
// digits, the tokens both FTS5's unicode61 and PostgreSQL's simple parser
// agree on.
func ftsWords(term string) []string {
	return strings.FieldsFunc(strings.ToLower(term), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
