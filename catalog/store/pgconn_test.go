package store

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// stallProxy forwards a PostgreSQL connection and, when armed, holds back
// the server's messages once for stall before the n-th DataRow of a result:
// what a slow server or network does to a large result.
type stallProxy struct {
	ln    net.Listener
	armed atomic.Bool
	n     int
	stall time.Duration
}

func newStallProxy(t *testing.T, target string, n int, stall time.Duration) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, n: n, stall: stall}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { p.serverToClient(s, c); c.Close() }()
		}
	}()
	return p
}

// serverToClient copies the server's typed messages (a type byte and a
// length that counts itself) to the client.
func (p *stallProxy) serverToClient(s, c net.Conn) {
	rows := 0
	head := make([]byte, 5)
	for {
		if _, err := io.ReadFull(s, head); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(head[1:])-4)
		if _, err := io.ReadFull(s, body); err != nil {
			return
		}
		if head[0] == 'D' && p.armed.Load() {
			if rows++; rows == p.n && p.armed.CompareAndSwap(true, false) {
				time.Sleep(p.stall)
			}
		}
		if _, err := c.Write(append(head, body...)); err != nil {
			return
		}
	}
}

// A result whose rows stop arriving for longer than the read timeout fails
// the query; the connection it failed on must not serve the next query,
// whatever state the driver's drain left it in (at 100,000 APIs a reused
// connection answered the next query with the previous query's rows).
func TestPGConnectionRetiredAfterAResultFailsMidway(t *testing.T) {
	server := os.Getenv("PORTICO_TEST_PG_DSN")
	if server == "" {
		t.Skip("PORTICO_TEST_PG_DSN is not set")
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	// The stall outlasts one read timeout but not the drain's next one, so
	// without the guard the driver drains the result and hands the
	// connection back to the pool.
	proxy := newStallProxy(t, u.Host, 50, 600*time.Millisecond)
	u.Host = proxy.ln.Addr().String()
	q := u.Query()
	q.Set("read_timeout", "400ms")
	u.RawQuery = q.Encode()
	db, err := openPG(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.DB.SetMaxOpenConns(1)
	ctx := context.Background()

	var before int
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&before); err != nil {
		t.Fatal(err)
	}
	proxy.armed.Store(true)
	rows, err := db.QueryContext(ctx, "SELECT g, repeat('x', 200) FROM generate_series(1, 200) g")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if rows.Err() == nil {
		t.Fatalf("read all %d rows without the stall failing the query: the test did not stall", n)
	}
	t.Logf("the result failed after %d rows: %v", n, rows.Err())

	var after int
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&after); err != nil {
		t.Fatalf("the query after the failed one: %v", err)
	}
	if after == before {
		t.Fatalf("the connection whose result failed (backend %d) served the next query", before)
	}
	var answer int
	if err := db.QueryRowContext(ctx, "SELECT 42").Scan(&answer); err != nil || answer != 42 {
		t.Fatalf("SELECT 42 = %d, %v", answer, err)
	}
}
