package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/porticohq/portico/catalog"
)

// TestBeforeRemoveSeesTheRemovedEntitiesOfItsKind: the hook runs inside
// the removing transaction, before the rows go, with the keys and bodies
// of the removed entities of its kind only, on every removal path; a
// mutation that removes none of them does not call it.
func TestBeforeRemoveSeesTheRemovedEntitiesOfItsKind(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var seen []string
		s.BeforeRemove("API", func(ctx context.Context, tx *sql.Tx, removing []Removing) error {
			for _, r := range removing {
				var e catalog.Entity
				if err := json.Unmarshal(r.Body, &e); err != nil {
					t.Errorf("body of %s: %v", r.Key, err)
				}
				// The row is still there, in the transaction.
				var n int
				if err := tx.QueryRowContext(ctx, s.dialect.rebind("SELECT count(*) FROM entities WHERE ref_key = ?"), r.Key).Scan(&n); err != nil || n != 1 {
					t.Errorf("%s stored %d times in the hook, %v", r.Key, n, err)
				}
				seen = append(seen, r.Key+" "+e.SpecString("definition"))
			}
			return nil
		})
		pets := testEntity("API", "pets", spec("definition", "pets v1"))
		orders := testEntity("API", "orders", spec("definition", "orders v1"))
		users := testEntity("API", "users", spec("definition", "users v1"))
		apply(t, s, "apis", catalog.Full, pets, orders, users, testEntity("Component", "web"))
		apply(t, s, "apis", catalog.Full, pets, orders, users) // a component goes
		apply(t, s, "apis", catalog.Full, pets, orders, users) // nothing goes
		if len(seen) != 0 {
			t.Fatalf("hook called without an API removed: %v", seen)
		}

		apply(t, s, "apis", catalog.Full, orders, users) // full mutation
		if _, err := s.Apply(ctx, catalog.StoreMutation{Provider: "apis", Type: catalog.Delta,
			Removed: []catalog.Ref{catalog.MustParseRef("api:default/orders")}}); err != nil {
			t.Fatal(err)
		}
		se, _ := mustRef(t, s, "api:default/users")
		if _, err := s.RemoveByUID(ctx, se.UID); err != nil {
			t.Fatal(err)
		}
		want := []string{"api:default/pets pets v1", "api:default/orders orders v1", "api:default/users users v1"}
		if !slices.Equal(seen, want) {
			t.Errorf("hook saw %q, want %q", seen, want)
		}
	})
}

// TestABeforeRemoveHookErrorFailsTheRemoval: what the hook writes and the
// removal commit together, so a failed hook leaves the entity in place.
func TestABeforeRemoveHookErrorFailsTheRemoval(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		s.BeforeRemove("api", func(context.Context, *sql.Tx, []Removing) error { return boom })
		apply(t, s, "apis", catalog.Full, testEntity("API", "pets"), testEntity("API", "orders"))
		if _, err := s.Apply(ctx, catalog.StoreMutation{Provider: "apis", Type: catalog.Full,
			Entities: []catalog.ProcessedEntity{testEntity("API", "orders")}}); !errors.Is(err, boom) {
			t.Errorf("Apply: %v, want the hook's error", err)
		}
		se, _ := mustRef(t, s, "api:default/pets")
		if _, err := s.RemoveByUID(ctx, se.UID); !errors.Is(err, boom) {
			t.Errorf("RemoveByUID: %v, want the hook's error", err)
		}
		mustRef(t, s, "api:default/pets")
	})
}
