package apihistory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// TestLastChangesSelectsByAgeAndBreaking: only APIs with a second version
// have changed; the window and the breaking filter apply to the latest
// change, newest first; a key list restricts the answer.
func TestLastChangesSelectsByAgeAndBreaking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, c := openHistory(t, st)
		record(t, h, "api:default/never", "A")
		old1, _ := record(t, h, "api:default/old", "A")
		brk1, _ := record(t, h, "api:default/broken", "A")
		c.add(10 * 24 * time.Hour)
		old2, _ := record(t, h, "api:default/old", "B") // changed 20 days before "now"
		c.add(18 * 24 * time.Hour)
		brk2, _ := record(t, h, "api:default/broken", "B") // 2 days before "now"
		c.add(2 * 24 * time.Hour)
		now := c.now()
		if err := h.SaveDiff(ctx, brk1.ID, brk2.ID, &apidiff.Report{Counts: apidiff.Counts{Breaking: 1, Info: 2}}); err != nil {
			t.Fatal(err)
		}
		if err := h.SaveDiff(ctx, old1.ID, old2.ID, &apidiff.Report{Counts: apidiff.Counts{Info: 1}}); err != nil {
			t.Fatal(err)
		}
		keys := func(q ChangeQuery) string {
			got, err := h.LastChanges(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range got {
				out = append(out, fmt.Sprintf("%s:%v", c.EntityKey, c.Breaking()))
			}
			return fmt.Sprint(out)
		}
		for _, tt := range []struct {
			name string
			q    ChangeQuery
			want string
		}{
			{"all", ChangeQuery{}, "[api:default/broken:true api:default/old:false]"},
			{"7 days", ChangeQuery{Since: now.Add(-7 * 24 * time.Hour)}, "[api:default/broken:true]"},
			{"30 days", ChangeQuery{Since: now.Add(-30 * 24 * time.Hour)}, "[api:default/broken:true api:default/old:false]"},
			{"breaking", ChangeQuery{Breaking: true}, "[api:default/broken:true]"},
			{"keys", ChangeQuery{Keys: []string{"api:default/old", "api:default/never"}}, "[api:default/old:false]"},
			{"no keys", ChangeQuery{Keys: []string{}}, "[]"},
			{"limit", ChangeQuery{Limit: 1}, "[api:default/broken:true]"},
		} {
			if got := keys(tt.q); got != tt.want {
				t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
			}
		}
		got, _ := h.LastChanges(ctx, ChangeQuery{Keys: []string{"api:default/broken"}})
		if len(got) != 1 || !got[0].At.Equal(now.Add(-2*24*time.Hour)) || got[0].VersionID != brk2.ID || got[0].PrevID != brk1.ID {
			t.Errorf("broken: %+v", got)
		}
	})
}

// TestLastChangesReadsLongKeyListsInChunks: more keys than one IN list
// holds still come back newest first, limited.
func TestLastChangesReadsLongKeyListsInChunks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		h, c := openHistory(t, st)
		var keys []string
		for i := range keysPerQuery + 10 {
			keys = append(keys, fmt.Sprintf("api:default/a%04d", i))
		}
		for _, k := range []string{keys[3], keys[keysPerQuery+5]} {
			record(t, h, k, "A")
			c.add(time.Minute)
			record(t, h, k, "B")
			c.add(time.Minute)
		}
		got, err := h.LastChanges(ctx, ChangeQuery{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].EntityKey != keys[keysPerQuery+5] || got[1].EntityKey != keys[3] {
			t.Errorf("got %+v", got)
		}
		recent, err := h.RecentOf(ctx, keys, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(recent) != 3 || recent[0].EntityKey != keys[keysPerQuery+5] {
			t.Errorf("RecentOf: %+v", recent)
		}
	})
}
