package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
)

// A mutation that commits after a page's total is counted and before its
// items are selected must not show in the items: the total and the items
// describe one state of the catalog, whatever a concurrent load does.
func TestQueryTotalAndItemsAreOneRead(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		var es []catalog.ProcessedEntity
		for i := range 5 {
			es = append(es, testEntity("API", fmt.Sprintf("api-%d", i)))
		}
		apply(t, s, "p", catalog.Full, es...)
		wrote := false
		s.betweenCountAndPage = func() {
			if wrote {
				return
			}
			wrote = true
			more := append(es, testEntity("API", "api-late-1"), testEntity("API", "api-late-2"))
			apply(t, s, "p", catalog.Full, more...)
		}
		page, err := s.Query(context.Background(), catalog.Query{Filter: catalog.Filter{{cond("kind", "api")}}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if !wrote {
			t.Fatal("the hook did not run")
		}
		if page.TotalItems != len(page.Items) {
			t.Errorf("totalItems %d, but %d items: %v", page.TotalItems, len(page.Items), names(page.Items))
		}
		s.betweenCountAndPage = nil
		after, err := s.Query(context.Background(), catalog.Query{Filter: catalog.Filter{{cond("kind", "api")}}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if after.TotalItems != 7 || len(after.Items) != 7 {
			t.Errorf("after the write: totalItems %d, %d items", after.TotalItems, len(after.Items))
		}
	})
}

// On PostgreSQL a page's statements stop on the server at the read
// timeout, instead of running on after the driver gave up on them.
func TestPageStatementsStopOnTheServerAtTheReadTimeout(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		if s.dialect.name() == SQLite {
			t.Skip("SQLite runs in this process")
		}
		defer func(d time.Duration) { readStatementTimeout = d }(readStatementTimeout)
		readStatementTimeout = 200 * time.Millisecond
		ctx, end, err := s.readSnapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer end()
		start := time.Now()
		rows, err := s.query(ctx, "SELECT pg_sleep(3)")
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if err == nil || !strings.Contains(err.Error(), "statement timeout") || time.Since(start) > 2*time.Second {
			t.Errorf("a 3 s statement in a page: %v after %v, want a statement timeout at 200 ms", err, time.Since(start))
		}
	})
}
