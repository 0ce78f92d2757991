package store

import (
	"database/sql"
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
	// relationsJSON is a scalar subquery giving the JSON array of the
	// relations whose source is the entity aliased `e`, sorted and
	// de-duplicated, targets spelled as the stored entities spell them.
	relationsJSON() string
	// afterSlash is the part of the text expression col after its first
	// slash.
	afterSlash(col string) string
	// snapshot is a read-only transaction whose statements all read one
	// snapshot of the database.
	snapshot() *sql.TxOptions
	// narrowEntities is the FROM clause of a page or count query whose
	// conditions read only the columns entities_page holds (where.go).
	narrowEntities() string
	// refKeyPrefix is the condition "the text expression col starts with
	// prefix", its arguments.
	refKeyPrefix(col, prefix string) (string, []any)
	// probeFence ends an EXISTS probe of a walk (plan.go) so that it stays
	// a probe per walked row.
	probeFence() string
}

// relationRows are the distinct (type, target key) pairs of e's relations,
// read in order from the relations_source index.
const relationRows = `SELECT DISTINCT r.type AS type, r.target_key AS target_key FROM relations r
WHERE r.source_key = e.ref_key ORDER BY r.type, r.target_key`

// relationTarget names a relation's target by its lower-cased key, as
// Backstage does: its stringifyEntityRef lower-cases kind, namespace and
// name, so Backstage 4.0 answers targetRef component:default/edge-upper for
// an entity named Edge-Upper, whatever the target's own spelling.
const relationTarget = "x.target_key"

type sqliteDialect struct{}

func (sqliteDialect) name() string           { return SQLite }
func (sqliteDialect) rebind(q string) string { return q }
func (sqliteDialect) maxParams() int         { return 30000 }

// snapshot is a deferred transaction (read-only keeps modernc from using
// _txlock=immediate): in WAL mode its reads share one snapshot, taken at
// the first, and never block the writer.
func (sqliteDialect) snapshot() *sql.TxOptions { return &sql.TxOptions{ReadOnly: true} }

// narrowEntities names entities_page: SQLite, keeping no statistics here,
// would not pick it over the table's rowid on its own.
func (sqliteDialect) narrowEntities() string { return " FROM entities e INDEXED BY entities_page" }

// probeFence is nothing: SQLite needs no fence to walk in index order
// (walk_test.go checks its plan).
func (sqliteDialect) probeFence() string { return "" }

// refKeyPrefix is a range, which bounds an index walk: SQLite compares text
// bytewise (BINARY), so [prefix, prefix with its last byte incremented)
// holds exactly the strings starting with prefix.
func (sqliteDialect) refKeyPrefix(col, prefix string) (string, []any) {
	end := prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1)
	return "(" + col + " >= ? AND " + col + " < ?)", []any{prefix, end}
}

func (sqliteDialect) afterSlash(col string) string {
	return "substr(" + col + ", instr(" + col + ", '/') + 1)"
}

func (sqliteDialect) relationsJSON() string {
	return "(SELECT json_group_array(json_object('type', x.type, 'targetRef', " + relationTarget + ")) FROM (" +
		relationRows + ") x)"
}
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

// snapshot is REPEATABLE READ: PostgreSQL's READ COMMITTED takes a new
// snapshot for every statement.
func (pgDialect) snapshot() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

// narrowEntities leaves the choice to PostgreSQL's planner, which takes
// entities_page for an index-only scan once the table is vacuumed.
func (pgDialect) narrowEntities() string { return " FROM entities e" }

// refKeyPrefix is starts_with, not a range: the database's collation need
// not order text bytewise (under en_US "api:x" sorts after "api;").
// probeFence is OFFSET 0, which keeps PostgreSQL from turning the EXISTS
// into a semi join: with statistics it merged the walk with every entry of
// the probed condition (33,334 of a lifecycle at 100,000 APIs), sorted,
// instead of probing the page's few rows.
func (pgDialect) probeFence() string { return " OFFSET 0" }

func (pgDialect) refKeyPrefix(col, prefix string) (string, []any) {
	return "starts_with(" + col + ", ?)", []any{prefix}
}

func (pgDialect) afterSlash(col string) string {
	return "split_part(" + col + ", '/', 2)"
}

func (pgDialect) relationsJSON() string {
	return `(SELECT '[' || coalesce(string_agg('{"type":' || to_json(x.type)::text || ',"targetRef":' ||
to_json(` + relationTarget + `)::text || '}', ',' ORDER BY x.type COLLATE "C", x.target_key COLLATE "C"), '') || ']' FROM (` +
		relationRows + `) x)`
}

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
