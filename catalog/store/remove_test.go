package store

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

func TestRemoveByUID(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		apply(t, s, "apis", catalog.Full, testEntity("API", "pets", ownedBy("team-a"), tags("rest")), testEntity("API", "orders", ownedBy("team-a")))
		apply(t, s, "org", catalog.Full, testEntity("Group", "team-a"))
		pets, _ := mustRef(t, s, "api:default/pets")
		gen := s.Generation()

		removed, err := s.RemoveByUID(ctx, pets.UID)
		if err != nil {
			t.Fatal(err)
		}
		if removed.Ref.Key() != "api:default/pets" || removed.Provider != "apis" || removed.UID != pets.UID || string(removed.JSON) != string(pets.JSON) {
			t.Errorf("removed = %+v, want the stored pets", removed)
		}
		if s.Generation() == gen {
			t.Error("generation unchanged: cached answers would still show the entity")
		}
		if _, err := s.ByUID(ctx, pets.UID); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("ByUID after removal: %v, want ErrNotFound", err)
		}
		page, err := s.Query(ctx, catalog.Query{Filter: catalog.Filter{{{Key: "metadata.tags", Values: []string{"rest"}}}}})
		if err != nil || page.TotalItems != 0 {
			t.Errorf("filter still finds the removed entity: %+v, %v", page, err)
		}
		_, team := mustRef(t, s, "group:default/team-a")
		want := []catalog.Relation{{Type: "ownerOf", TargetRef: "api:default/orders"}}
		if diff := cmp.Diff(want, team.Relations); diff != "" {
			t.Errorf("group relations after removal (-want +got):\n%s", diff)
		}
		mustRef(t, s, "api:default/orders")

		// The provider still emits it: its next run adds it again, with a
		// new uid.
		apply(t, s, "apis", catalog.Full, testEntity("API", "pets", ownedBy("team-a"), tags("rest")), testEntity("API", "orders", ownedBy("team-a")))
		back, _ := mustRef(t, s, "api:default/pets")
		if back.UID == pets.UID {
			t.Errorf("re-added entity kept the removed uid %s", back.UID)
		}
	})
}

func TestRemoveByUIDUnknown(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "apis", catalog.Full, testEntity("API", "pets"))
		gen := s.Generation()
		if _, err := s.RemoveByUID(context.Background(), "no-such-uid"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
		if s.Generation() != gen {
			t.Error("generation changed although nothing was removed")
		}
		mustRef(t, s, "api:default/pets")
	})
}
