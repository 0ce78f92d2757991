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

// TestBeforeWriteSeesNewAndChangedEntitiesOfItsKind: the hook runs inside
// the writing transaction, before the rows are written, with the new and
// changed entities of its kind only — a changed one with the body it
// replaces — and an unchanged mutation (a restart) does not call it.
func TestBeforeWriteSeesNewAndChangedEntitiesOfItsKind(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		var seen []string
		s.BeforeWrite("API", func(ctx context.Context, tx *sql.Tx, writing []Writing) error {
			for _, w := range writing {
				old := "new"
				if w.Old != nil {
					var e catalog.Entity
					if err := json.Unmarshal(w.Old, &e); err != nil {
						t.Errorf("old body of %s: %v", w.Key, err)
					}
					old = e.SpecString("definition")
					// The old row is still there, in the transaction.
					var stored []byte
					err := tx.QueryRowContext(ctx, s.dialect.rebind(
						"SELECT b.body FROM entity_bodies b JOIN entities e ON e.id = b.entity_id WHERE e.ref_key = ?"), w.Key).Scan(&stored)
					var body []byte
					if err == nil {
						body, err = unpackBody(stored, nil)
					}
					if err != nil || string(body) != string(w.Old) {
						t.Errorf("%s: stored body in the hook differs (%v)", w.Key, err)
					}
				}
				seen = append(seen, w.Key+" "+old+" -> "+w.Entity.Entity.SpecString("definition"))
			}
			return nil
		})
		pets := testEntity("API", "pets", spec("definition", "pets v1"))
		orders := testEntity("API", "orders", spec("definition", "orders v1"))
		apply(t, s, "apis", catalog.Full, pets, orders, testEntity("Component", "web"))
		apply(t, s, "apis", catalog.Full, pets, orders, testEntity("Component", "web", description("changed")))
		apply(t, s, "apis", catalog.Full, testEntity("API", "pets", spec("definition", "pets v2")), orders)
		want := []string{
			"api:default/pets new -> pets v1", "api:default/orders new -> orders v1",
			"api:default/pets pets v1 -> pets v2",
		}
		if !slices.Equal(seen, want) {
			t.Errorf("hook saw %q, want %q", seen, want)
		}
	})
}

// TestABeforeWriteHookErrorFailsTheMutation: what the hook writes and the
// mutation commit together, so a failed hook leaves the old version.
func TestABeforeWriteHookErrorFailsTheMutation(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "apis", catalog.Full, testEntity("API", "pets", spec("definition", "v1")))
		boom := errors.New("boom")
		s.BeforeWrite("api", func(context.Context, *sql.Tx, []Writing) error { return boom })
		if _, err := s.Apply(context.Background(), catalog.StoreMutation{Provider: "apis", Type: catalog.Full,
			Entities: []catalog.ProcessedEntity{testEntity("API", "pets", spec("definition", "v2"))}}); !errors.Is(err, boom) {
			t.Errorf("Apply: %v, want the hook's error", err)
		}
		if _, e := mustRef(t, s, "api:default/pets"); e.SpecString("definition") != "v1" {
			t.Errorf("definition %q after the failed write, want v1", e.SpecString("definition"))
		}
	})
}
