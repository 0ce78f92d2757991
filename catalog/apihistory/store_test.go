package apihistory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func openHistory(t *testing.T, st *store.Store) (*Store, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	h, err := Open(context.Background(), st.DB(), c.now)
	if err != nil {
		t.Fatal(err)
	}
	return h, c
}

func record(t *testing.T, h *Store, key, def string) (Version, bool) {
	t.Helper()
	v, changed, err := h.Record(context.Background(), Version{EntityKey: key, SpecType: "openapi", Provider: "file", Location: "file:/a.yaml"}, []byte(def))
	if err != nil {
		t.Fatal(err)
	}
	return v, changed
}

func TestRecordStoresEachDefinitionOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, c := openHistory(t, st)
		a, changed := record(t, h, "api:default/pets", "A")
		if !changed || a.PrevID != 0 || a.Hash != Hash([]byte("A")) || a.Size != 1 || a.Provider != "file" {
			t.Fatalf("first record: %+v changed=%v", a, changed)
		}
		c.add(time.Minute)
		if again, changed := record(t, h, "api:default/pets", "A"); changed || again.ID != a.ID {
			t.Errorf("unchanged definition recorded again: %+v changed=%v", again, changed)
		}
		c.add(time.Minute)
		b, changed := record(t, h, "api:default/pets", "B")
		if !changed || b.PrevID != a.ID || !b.FirstSeen.Equal(c.now()) {
			t.Errorf("second version: %+v changed=%v", b, changed)
		}
		c.add(time.Minute)
		back, changed := record(t, h, "api:default/pets", "A") // reverted
		if !changed || back.ID != a.ID || back.PrevID != b.ID || !back.FirstSeen.Equal(a.FirstSeen) || !back.CurrentSince.Equal(c.now()) {
			t.Errorf("reverted version: %+v changed=%v", back, changed)
		}
		record(t, h, "api:default/other", "A") // same text, another API: its own version
		list, err := h.List(ctx, "api:default/pets")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
			t.Errorf("list = %+v, want A (current) then B", list)
		}
		// The current version is the timeline's first, and Record stored
		// its body: h reads no entities, so only a kept body reads.
		tl, err := h.Timeline(ctx, "api:default/pets")
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) != 2 || tl[0].Hash != Hash([]byte("A")) {
			t.Fatalf("timeline of pets: %+v, want A current", tl)
		}
		if def, err := h.Definition(ctx, tl[0].ID); err != nil || string(def) != "A" {
			t.Errorf("current definition of pets: %q, %v; want it kept", def, err)
		}
		if other, err := h.Timeline(ctx, "api:default/other"); err != nil || len(other) != 1 || other[0].Hash != Hash([]byte("A")) {
			t.Errorf("timeline of other: %+v, %v; want its own version of A", other, err)
		}
	})
}

func TestRecordKeepsTheTimelineOrderedWithinAMillisecond(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h, _ := openHistory(t, st) // the clock does not move
		a, _ := record(t, h, "api:default/pets", "A")
		b, _ := record(t, h, "api:default/pets", "B")
		a2, _ := record(t, h, "api:default/pets", "A")
		if !b.CurrentSince.After(a.CurrentSince) || !a2.CurrentSince.After(b.CurrentSince) {
			t.Errorf("current_since not increasing: %v %v %v", a.CurrentSince, b.CurrentSince, a2.CurrentSince)
		}
		tl, err := h.Timeline(context.Background(), "api:default/pets")
		if err != nil || len(tl) != 2 || tl[0].Hash != a.Hash {
			t.Errorf("current version = %+v, %v; want A", tl, err)
		}
	})
}

func TestDefinitionIsStoredCompressed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, _ := openHistory(t, st)
		def := bytes.Repeat([]byte("paths: {}\n"), 10000)
		v, _ := record(t, h, "api:default/pets", string(def))
		got, err := h.Definition(ctx, v.ID)
		if err != nil || !bytes.Equal(got, def) {
			t.Fatalf("definition round trip: %d bytes, err %v", len(got), err)
		}
		var stored int
		if err := st.DB().QueryRowContext(ctx, "SELECT length(definition) FROM api_versions").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored*10 > len(def) {
			t.Errorf("stored %d bytes for a %d-byte repetitive definition", stored, len(def))
		}
		if _, err := h.Definition(ctx, v.ID+100); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown version: %v", err)
		}
	})
}

func TestDiffsAreCachedAndCounted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, c := openHistory(t, st)
		a, _ := record(t, h, "api:default/pets", "A")
		c.add(time.Second)
		b, _ := record(t, h, "api:default/pets", "B")
		if _, err := h.Diff(ctx, a.ID, b.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("diff before it is saved: %v", err)
		}
		rep := &apidiff.Report{Counts: apidiff.Counts{Breaking: 2, Info: 1}, Groups: []apidiff.Group{{Method: "GET", Path: "/x", Level: apidiff.Breaking}}}
		if err := h.SaveDiff(ctx, a.ID, b.ID, rep); err != nil {
			t.Fatal(err)
		}
		if err := h.SaveDiff(ctx, a.ID, b.ID, &apidiff.Report{}); err != nil { // second save is a no-op
			t.Fatal(err)
		}
		got, err := h.Diff(ctx, a.ID, b.ID)
		if err != nil || got.Counts != rep.Counts || len(got.Groups) != 1 || got.Groups[0].Path != "/x" {
			t.Fatalf("diff = %+v, %v", got, err)
		}
		tl, err := h.Timeline(ctx, "api:default/pets")
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) != 2 || tl[0].ID != b.ID || tl[0].Changes == nil || *tl[0].Changes != rep.Counts || tl[1].Changes != nil {
			t.Errorf("timeline = %+v", tl)
		}
	})
}

func TestPruneKeepsRecentMinimumAndCurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, c := openHistory(t, st)
		// 10 versions, one a day, then 400 days of quiet.
		var ids []int64
		for i := range 10 {
			v, _ := record(t, h, "api:default/pets", fmt.Sprintf("v%d", i))
			ids = append(ids, v.ID)
			c.add(24 * time.Hour)
		}
		record(t, h, "api:default/other", "only") // one version, old: current, kept
		c.add(400 * 24 * time.Hour)
		if err := h.SaveDiff(ctx, ids[0], ids[1], &apidiff.Report{}); err != nil {
			t.Fatal(err)
		}
		if err := h.SaveDiffFailure(ctx, ids[1], ids[2], "does not load"); err != nil {
			t.Fatal(err)
		}
		if n, err := h.Prune(ctx, Policy{}); err != nil || n != 0 {
			t.Fatalf("default policy (1 year, at least 50) pruned %d, %v; want 0 (fewer than 50)", n, err)
		}
		n, err := h.Prune(ctx, Policy{MaxAge: 365 * 24 * time.Hour, MinKeep: 3})
		if err != nil || n != 7 {
			t.Fatalf("pruned %d, %v; want the 7 beyond the last 3", n, err)
		}
		list, _ := h.List(ctx, "api:default/pets")
		if len(list) != 3 || list[0].ID != ids[9] || list[2].ID != ids[7] {
			t.Errorf("kept %+v, want the last three", list)
		}
		if other, _ := h.List(ctx, "api:default/other"); len(other) != 1 {
			t.Errorf("the only (current) version of another API was pruned")
		}
		var diffs, failures int
		st.DB().QueryRowContext(ctx, "SELECT count(*) FROM api_version_diffs").Scan(&diffs)
		st.DB().QueryRowContext(ctx, "SELECT count(*) FROM api_version_diff_failures").Scan(&failures)
		if diffs != 0 || failures != 0 {
			t.Errorf("%d diffs and %d failed diffs of pruned versions left", diffs, failures)
		}
		// A reverted definition is current again: young, and row 1.
		c.add(24 * time.Hour)
		record(t, h, "api:default/pets", "v7")
		n, _ = h.Prune(ctx, Policy{MaxAge: time.Hour, MinKeep: 1})
		list, _ = h.List(ctx, "api:default/pets")
		if n != 2 || len(list) != 1 || list[0].ID != ids[7] {
			t.Errorf("pruned %d, kept %+v; want only the current v7", n, list)
		}
	})
}

func TestMigrationsRunTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		openHistory(t, st)
		openHistory(t, st)
	})
}

// TestRecordAllInsertsFirstVersionsTogether: the first versions of a
// batch are inserted together, and a later item of the same API in the
// batch sees the version just inserted.
func TestRecordAllInsertsFirstVersionsTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, _ := openHistory(t, st)
		var items []Item
		for i := range 1200 { // more than one INSERT's rows
			items = append(items, Item{Version: Version{EntityKey: fmt.Sprintf("api:default/a%04d", i), Hash: fmt.Sprint(i), Size: 1}})
		}
		items = append(items, Item{Version: Version{EntityKey: "api:default/a0001"}, Definition: []byte("B")})
		res, err := h.RecordAll(ctx, items)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[int64]bool{}
		for _, r := range res[:1200] {
			if !r.Changed || r.Version.ID == 0 || ids[r.Version.ID] || r.Version.PrevID != 0 {
				t.Fatalf("first version %+v", r)
			}
			ids[r.Version.ID] = true
		}
		last := res[1200]
		if !last.Changed || last.Version.PrevID != res[1].Version.ID {
			t.Errorf("second version of a0001 in the batch: %+v, want prev %d", last, res[1].Version.ID)
		}
		tl, err := h.Timeline(ctx, "api:default/a0001")
		if err != nil || len(tl) != 2 || tl[0].ID != last.Version.ID || tl[1].Hash != "1" {
			t.Errorf("timeline of a0001: %+v, %v", tl, err)
		}
	})
}
