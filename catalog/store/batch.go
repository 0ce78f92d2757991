package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// batcher writes rows with multi-row INSERTs: full batches through one
// prepared statement, the remainder with a statement of its own size.
type batcher struct {
	ctx     context.Context
	tx      *sql.Tx
	dl      dialect
	head    string
	tuple   string
	cols    int
	perStmt int
	stmt    *sql.Stmt
	args    []any
}

func newBatcher(ctx context.Context, tx *sql.Tx, dl dialect, table string, cols []string) *batcher {
	per := min(500, dl.maxParams()/len(cols))
	return &batcher{
		ctx:     ctx,
		tx:      tx,
		dl:      dl,
		head:    insertInto(dl) + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		tuple:   "(" + placeholders(len(cols)) + ")",
		cols:    len(cols),
		perStmt: per,
		args:    make([]any, 0, per*len(cols)),
	}
}

// insertInto starts a multi-row INSERT. On SQLite it is INSERT OR FAIL: a
// failing INSERT OR ABORT (the default) undoes its own earlier rows, so
// SQLite copies every index page such a statement touches to a statement
// journal first, a fifth of a bulk ingest's page writes. A failed statement
// fails Apply, which rolls back the whole transaction anyway.
func insertInto(dl dialect) string {
	if dl.name() == SQLite {
		return "INSERT OR FAIL INTO "
	}
	return "INSERT INTO "
}

// limit caps the rows per statement. A statement's bound values are
// copied into SQLite's (non-Go) memory until it has run, so rows of
// ~10 KB bodies go in small statements: 400 of them in one held 4 MB more
// at the moment a bulk ingest peaks.
func (b *batcher) limit(rows int) *batcher {
	b.perStmt = min(b.perStmt, rows)
	return b
}

func (b *batcher) query(rows int) string {
	var sb strings.Builder
	sb.Grow(len(b.head) + rows*(len(b.tuple)+2))
	sb.WriteString(b.head)
	for i := 0; i < rows; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(b.tuple)
	}
	return b.dl.rebind(sb.String())
}

func (b *batcher) add(vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) >= b.cols*b.perStmt {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	n := len(b.args) / b.cols
	if n == 0 {
		return nil
	}
	var err error
	if n == b.perStmt {
		if b.stmt == nil {
			if b.stmt, err = b.tx.PrepareContext(b.ctx, b.query(n)); err != nil {
				return fmt.Errorf("prepare %s: %w", b.head, err)
			}
		}
		_, err = b.stmt.ExecContext(b.ctx, b.args...)
	} else {
		_, err = b.tx.ExecContext(b.ctx, b.query(n), b.args...)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", strings.TrimSpace(b.head), err)
	}
	b.args = b.args[:0]
	return nil
}

func (b *batcher) close() {
	if b.stmt != nil {
		b.stmt.Close()
	}
}

// execIn runs query, whose single %s is replaced by placeholders, once per
// chunk of vals.
func execIn(ctx context.Context, tx *sql.Tx, dl dialect, query string, vals []any, extra ...any) error {
	for _, chunk := range chunks(vals, 500) {
		q := dl.rebind(fmt.Sprintf(query, placeholders(len(chunk))))
		if _, err := tx.ExecContext(ctx, q, append(append([]any{}, extra...), chunk...)...); err != nil {
			return fmt.Errorf("%s: %w", strings.Fields(query)[0], err)
		}
	}
	return nil
}
