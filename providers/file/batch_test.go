package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
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
	s := storetest.SQLite(t)
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

// fullDiskConnection refuses every apply while full is set, as a store on
// a full disk does, and records how many entities each apply carried and
// when the provider reported its whole load.
type fullDiskConnection struct {
	listingConnection
	full    *atomic.Bool
	largest *atomic.Int32 // the most entities one apply carried after the disk filled
	loaded  *atomic.Int32 // Loaded calls
	applied *atomic.Int32 // successful applies before Loaded
}

func (c fullDiskConnection) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	if n := int32(len(m.Entities)); n > c.largest.Load() {
		c.largest.Store(n)
	}
	if c.full.Load() {
		return catalog.ApplyResult{}, fmt.Errorf("apply: %w", catalog.ErrStorageFull)
	}
	res, err := c.listingConnection.ApplyMutation(ctx, m)
	if err == nil && c.loaded.Load() == 0 {
		c.applied.Add(1)
	}
	return res, err
}

func (c fullDiskConnection) Loaded() { c.loaded.Add(1) }

// Issue 15: after a first load failed on a full disk, the 60 s re-scan
// retried all 10,000 files as one change set and filled the disk again.
// The failed load is retried on its own timer, in batches, and the
// provider reports its whole load once, at the end.
func TestFailedFirstLoadIsRetriedInBatches(t *testing.T) {
	s := storetest.SQLite(t)
	base := t.TempDir()
	n := 2*batchFiles + 10
	for i := range n {
		write(t, filepath.Join(base, fmt.Sprintf("u%04d.yaml", i)), fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: u%04d}\nspec: {memberOf: []}\n", i))
	}
	p := New(Options{Target: filepath.Join(base, "*.yaml"), Rescan: time.Hour, Retry: 100 * time.Millisecond})
	p.noWatch = true
	conn := fullDiskConnection{
		listingConnection: listingConnection{connection: connection{c: catalog.New(s, catalog.Options{}), name: p.Name()}, s: s},
		full:              &atomic.Bool{}, largest: &atomic.Int32{}, loaded: &atomic.Int32{}, applied: &atomic.Int32{},
	}
	conn.full.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.Connect(ctx, conn); !errors.Is(err, catalog.ErrStorageFull) {
		t.Fatalf("Connect on a full disk: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // a retry or two fail too
	conn.full.Store(false)
	waitWithin(t, 15*time.Second, "the whole location loaded", func() bool { return conn.loaded.Load() > 0 })
	if got := conn.largest.Load(); got > batchFiles {
		t.Errorf("an apply carried %d entities; retries must use batches of at most %d", got, batchFiles)
	}
	if got := conn.applied.Load(); got < 3 {
		t.Errorf("%d applies before the load was reported; want every batch first", got)
	}
	page, err := s.Query(ctx, catalog.Query{Limit: 1})
	if err != nil || page.TotalItems != n {
		t.Errorf("%d entities stored (err %v), want %d", page.TotalItems, err, n)
	}
	if got := conn.loaded.Load(); got != 1 {
		t.Errorf("Loaded called %d times, want once", got)
	}
}

// Outside test of issue 15: a location whose directory could not be
// listed when it connected (permission denied; here a symlink loop on the
// way, since the tests run as root) was never retried, so the process
// stayed unready until restarted. Its first load is retried, and once
// loaded the location follows edits through notifications.
func TestUnlistableLocationIsRetriedAndThenWatched(t *testing.T) {
	s := storetest.SQLite(t)
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(loop, "locked")
	p := New(Options{Target: filepath.Join(base, "*.yaml"), Rescan: time.Hour, Retry: 50 * time.Millisecond})
	conn := fullDiskConnection{
		listingConnection: listingConnection{connection: connection{c: catalog.New(s, catalog.Options{}), name: p.Name()}, s: s},
		full:              &atomic.Bool{}, largest: &atomic.Int32{}, loaded: &atomic.Int32{}, applied: &atomic.Int32{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.Connect(ctx, conn); err == nil || !strings.Contains(err.Error(), "list ") {
		t.Fatalf("Connect on an unlistable directory: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // a retry or two fail too
	if err := os.Remove(loop); err != nil {
		t.Fatal(err)
	}
	user := func(name string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: " + name + "}\nspec: {memberOf: []}\n"
	}
	write(t, filepath.Join(base, "a.yaml"), user("a"))
	waitWithin(t, 15*time.Second, "the location loaded", func() bool { return conn.loaded.Load() > 0 })
	count := func() int {
		page, err := s.Query(ctx, catalog.Query{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return page.TotalItems
	}
	if got := count(); got != 1 {
		t.Fatalf("%d entities after the retry, want 1", got)
	}
	// The re-scan is an hour away: only a notification can bring this in.
	write(t, filepath.Join(base, "b.yaml"), user("b"))
	waitWithin(t, 10*time.Second, "a new file seen", func() bool { return count() == 2 })
}

// bulkConnection records the bulk-load window a provider opens: the size
// it announced, and when it ended relative to the applies.
type bulkConnection struct {
	listingConnection
	fail    bool
	begun   *[]int
	ended   *atomic.Int32
	late    *atomic.Int32 // applies after the window ended
	applies *atomic.Int32
}

func (c bulkConnection) BeginBulkLoad(_ context.Context, n int) (func(context.Context) error, error) {
	*c.begun = append(*c.begun, n)
	return func(ctx context.Context) error {
		c.ended.Add(1)
		return ctx.Err() // the store could build nothing with a done context
	}, nil
}

func (c bulkConnection) ApplyMutation(ctx context.Context, m catalog.Mutation) (catalog.ApplyResult, error) {
	c.applies.Add(1)
	if c.ended.Load() > 0 {
		c.late.Add(1)
	}
	if c.fail {
		return catalog.ApplyResult{}, errors.New("apply: refused")
	}
	return c.listingConnection.ApplyMutation(ctx, m)
}

// A batched first load announces its size so the store can defer index
// upkeep, and closes the window once, after its last apply, before
// Connect reports the load, whether or not the load succeeded.
func TestBatchedLoadOpensOneBulkWindow(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail=%v", fail), func(t *testing.T) {
			s := storetest.SQLite(t)
			base := t.TempDir()
			n := batchFiles + 20
			for i := range n {
				write(t, filepath.Join(base, fmt.Sprintf("u%04d.yaml", i)), fmt.Sprintf("apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: u%04d}\nspec: {memberOf: []}\n", i))
			}
			p := New(Options{Target: filepath.Join(base, "*.yaml"), Rescan: -1, Retry: time.Hour})
			p.noWatch = true
			var begun []int
			conn := bulkConnection{
				listingConnection: listingConnection{connection: connection{c: catalog.New(s, catalog.Options{}), name: p.Name()}, s: s},
				fail:              fail, begun: &begun, ended: &atomic.Int32{}, late: &atomic.Int32{}, applies: &atomic.Int32{},
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			err := p.Connect(ctx, conn)
			if fail != (err != nil) {
				t.Fatalf("Connect: %v", err)
			}
			if len(begun) != 1 || begun[0] != n {
				t.Errorf("bulk loads begun with %v, want [%d]", begun, n)
			}
			if got := conn.ended.Load(); got != 1 {
				t.Errorf("window ended %d times before Connect returned, want 1", got)
			}
			if conn.applies.Load() == 0 || conn.late.Load() != 0 {
				t.Errorf("%d applies, %d of them after the window ended", conn.applies.Load(), conn.late.Load())
			}
		})
	}
}
