package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/providers"
)

// listingConnection is the catalog's connection plus bucket listing, as a
// store with catalog.BucketLister offers it; here the listing pages through
// the real store's by-query answer.
type listingConnection struct {
	connection
	s *store.Store
}

func (c listingConnection) BucketRefs(ctx context.Context) ([]catalog.StoredRef, error) {
	var out []catalog.StoredRef
	q := catalog.Query{Limit: 200}
	for {
		page, err := c.s.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, se := range page.Items {
			if se.Provider == c.name {
				out = append(out, catalog.StoredRef{Ref: se.Ref, LocationKey: se.LocationKey, Location: se.LocationKey})
			}
		}
		if page.NextCursor == "" {
			return out, nil
		}
		q.Cursor = page.NextCursor
	}
}

// preparingConnection also prepares mutations ahead of writing them, as
// the backend's catalog connection does; prepared counts the batches that
// took that path.
type preparingConnection struct {
	listingConnection
	prepared *atomic.Int32
}

func (c preparingConnection) PrepareMutation(ctx context.Context, m catalog.Mutation) (*catalog.PreparedMutation, error) {
	return c.c.Prepare(ctx, c.name, m)
}

func (c preparingConnection) ApplyPrepared(ctx context.Context, p *catalog.PreparedMutation) (catalog.ApplyResult, error) {
	c.prepared.Add(1)
	return c.c.ApplyPrepared(ctx, p)
}

func TestBatchedFirstLoadKeepsFullSemantics(t *testing.T) {
	for _, prepare := range []bool{false, true} {
		t.Run(fmt.Sprintf("prepare=%v", prepare), func(t *testing.T) { testBatchedFirstLoad(t, prepare) })
	}
}

func testBatchedFirstLoad(t *testing.T, prepare bool) {
	eachStore(t, func(t *testing.T, s *store.Store) {
		base := t.TempDir()
		n := batchFiles + 50
		for i := range n {
			write(t, filepath.Join(base, fmt.Sprintf("u%03d.yaml", i)), fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: u%03d}\nspec: {memberOf: []}\n", i))
		}
		target := filepath.Join(base, "*.yaml")
		load := func() {
			t.Helper()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := New(Options{Target: target, Rescan: -1})
			p.noWatch = true
			var conn providers.Connection = listingConnection{connection: connection{c: catalog.New(s, catalog.Options{}), name: p.Name()}, s: s}
			prepared := &atomic.Int32{}
			if prepare {
				conn = preparingConnection{listingConnection: conn.(listingConnection), prepared: prepared}
			}
			if err := p.Connect(ctx, conn); err != nil {
				t.Fatal(err)
			}
			if got := prepared.Load(); prepare && got != 2 {
				t.Errorf("%d batches applied prepared, want both", got)
			}
		}
		load()
		// While Portico is down: one file deleted, one corrupted, one added.
		os.Remove(filepath.Join(base, "u000.yaml"))
		write(t, filepath.Join(base, "u001.yaml"), "kind: [")
		write(t, filepath.Join(base, "new.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: newbie}\nspec: {memberOf: []}\n")
		load()
		for ref, want := range map[string]bool{
			"user:default/u000": false, "user:default/u001": true, "user:default/newbie": true,
			fmt.Sprintf("user:default/u%03d", n-1): true,
		} {
			if got := present(t, s, ref); got != want {
				t.Errorf("%s present = %v, want %v", ref, got, want)
			}
		}
	})
}

// flakyConnection fails every apply while down is set.
type flakyConnection struct {
	connection
	down *atomic.Bool
}

func (c flakyConnection) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	if c.down.Load() {
		return catalog.ApplyResult{}, errors.New("database is down")
	}
	return c.connection.ApplyMutation(ctx, m)
}

func TestFailedApplyIsRetriedByTheRescan(t *testing.T) {
	s, err := store.Open(context.Background(), store.Config{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "c.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := t.TempDir()
	write(t, filepath.Join(base, "a.yaml"), group)
	write(t, filepath.Join(base, "b.yaml"), component("web"))
	p := New(Options{Target: filepath.Join(base, "*.yaml"), Rescan: 300 * time.Millisecond, Debounce: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	down := &atomic.Bool{}
	if err := p.Connect(ctx, flakyConnection{connection: connection{c: catalog.New(s, catalog.Options{}), name: p.Name()}, down: down}); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	write(t, filepath.Join(base, "c.yaml"), component("mobile"))
	os.Remove(filepath.Join(base, "b.yaml"))
	time.Sleep(100 * time.Millisecond) // the notifications' apply fails meanwhile
	down.Store(false)
	waitFor(t, "c.yaml applied by the re-scan", func() bool { e, _ := entity(t, s, "component:default/mobile"); return e != nil })
	waitFor(t, "b.yaml removal applied by the re-scan", func() bool { return !present(t, s, "component:default/web") })
}
