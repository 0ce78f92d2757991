package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"sync/atomic"
)

// pgdriver closes a connection when a query fails to start, but not when
// reading its rows fails midway: a read timeout (the driver's ReadTimeout, 10 s
// by default) in the middle of a large result returns the error to the caller,
// and database/sql hands the connection back to the pool once the driver's
// Rows.Close has "drained" it. When the timeout struck inside a message, that
// drain parses the rest of the stream from the wrong offset, and the next
// query on the connection can read the previous query's rows (seen at 100,000
// APIs: `query returned 11 columns, but Scan dest has 1 items`; a query with a
// matching column count would read wrong rows silently).
//
// The wrappers below retire such a connection: once a result stream has
// failed, the connection reports itself invalid, so database/sql closes it
// instead of reusing it, and the next query gets a fresh one.

type guardedConnector struct{ driver.Connector }

func (c guardedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &guardedConn{inner: cn}, nil
}

// pgInner is what pgdriver's connection implements and the wrapper forwards.
type pgInner interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.Validator
	driver.SessionResetter
}

type guardedConn struct {
	inner  driver.Conn
	broken atomic.Bool
}

var (
	_ driver.ConnPrepareContext = (*guardedConn)(nil)
	_ driver.ConnBeginTx        = (*guardedConn)(nil)
	_ driver.ExecerContext      = (*guardedConn)(nil)
	_ driver.QueryerContext     = (*guardedConn)(nil)
	_ driver.Pinger             = (*guardedConn)(nil)
	_ driver.Validator          = (*guardedConn)(nil)
	_ driver.SessionResetter    = (*guardedConn)(nil)
)

func (c *guardedConn) pg() pgInner { return c.inner.(pgInner) }

// fail marks the connection unusable and closes it, so that database/sql
// discards it.
func (c *guardedConn) fail() {
	if c.broken.CompareAndSwap(false, true) {
		_ = c.inner.Close()
	}
}

func (c *guardedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *guardedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.pg().PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &guardedStmt{Stmt: st, conn: c}, nil
}

func (c *guardedConn) Close() error { c.broken.Store(true); return c.inner.Close() }

func (c *guardedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *guardedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.pg().BeginTx(ctx, opts)
}

func (c *guardedConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.pg().ExecContext(ctx, q, args)
}

func (c *guardedConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.pg().QueryContext(ctx, q, args)
	if err != nil {
		return nil, err
	}
	return &guardedRows{Rows: rows, conn: c}, nil
}

func (c *guardedConn) Ping(ctx context.Context) error { return c.pg().Ping(ctx) }

func (c *guardedConn) IsValid() bool { return !c.broken.Load() && c.pg().IsValid() }

func (c *guardedConn) ResetSession(ctx context.Context) error {
	if c.broken.Load() {
		return driver.ErrBadConn
	}
	return c.pg().ResetSession(ctx)
}

type guardedStmt struct {
	driver.Stmt
	conn *guardedConn
}

func (s *guardedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *guardedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	return &guardedRows{Rows: rows, conn: s.conn}, nil
}

type guardedRows struct {
	driver.Rows
	conn *guardedConn
}

func (r *guardedRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err != nil && !errors.Is(err, io.EOF) {
		r.conn.fail()
	}
	return err
}

func (r *guardedRows) Close() error {
	if r.conn.broken.Load() {
		return nil
	}
	err := r.Rows.Close()
	if err != nil {
		r.conn.fail()
	}
	return err
}
