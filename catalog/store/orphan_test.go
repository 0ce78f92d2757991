package store

import (
	"context"
	"slices"
	"testing"

	"github.com/porticohq/portico/catalog"
)

func TestOrphanKeepsEntityMarkedAndSearchable(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := testEntity("Component", "a", ownedBy("team-a"))
		b := testEntity("Component", "b")
		apply(t, s, "file:/catalog/*.yaml", catalog.Full, a, b)
		before, _ := mustRef(t, s, "component:default/a")

		// The location stops emitting a: with Orphan set it stays, marked.
		res, err := s.Apply(ctx, catalog.StoreMutation{Provider: "file:/catalog/*.yaml", Type: catalog.Full,
			Entities: []catalog.ProcessedEntity{b}, Orphan: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Orphaned != 1 || res.Removed != 0 {
			t.Fatalf("result = %+v, want 1 orphaned, 0 removed", res)
		}
		se, e := mustRef(t, s, "component:default/a")
		if got := e.Metadata.Annotations[catalog.AnnotationOrphan]; got != "true" {
			t.Fatalf("orphan annotation = %q, want true", got)
		}
		if se.UID != before.UID {
			t.Errorf("uid changed on orphaning: %s → %s", before.UID, se.UID)
		}
		if len(e.Relations) == 0 {
			t.Errorf("orphan lost its relations: %s", se.JSON)
		}
		page, err := s.Query(ctx, catalog.Query{Filter: catalog.Filter{{cond("metadata.annotations.backstage.io/orphan", "true")}}})
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalItems != 1 {
			t.Errorf("orphan filter found %d entities, want 1", page.TotalItems)
		}

		// Dropping it again changes nothing; emitting it again clears the mark.
		res, _ = s.Apply(ctx, catalog.StoreMutation{Provider: "file:/catalog/*.yaml", Type: catalog.Full,
			Entities: []catalog.ProcessedEntity{b}, Orphan: true})
		if res.Orphaned != 0 || res.Removed != 0 {
			t.Errorf("second drop = %+v, want nothing", res)
		}
		res = apply(t, s, "file:/catalog/*.yaml", catalog.Full, a, b)
		if res.Updated != 1 {
			t.Errorf("re-emitting the orphan = %+v, want 1 updated", res)
		}
		se, e = mustRef(t, s, "component:default/a")
		if _, ok := e.Metadata.Annotations[catalog.AnnotationOrphan]; ok || se.UID != before.UID {
			t.Errorf("re-emitted entity: orphan annotation %v, uid %s (want none, %s)", ok, se.UID, before.UID)
		}
	})
}

func TestOrphanCanBeAdoptedByAnotherLocation(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := testEntity("Component", "a")
		apply(t, s, "url:https://x/a.yaml", catalog.Full, a)
		if _, err := s.Apply(ctx, catalog.StoreMutation{Provider: "url:https://x/a.yaml", Type: catalog.Full, Orphan: true}); err != nil {
			t.Fatal(err)
		}
		moved := testEntity("Component", "a", location("file:/other/a.yaml", "file:/other/a.yaml"))
		res := apply(t, s, "file:/other/*.yaml", catalog.Full, moved)
		if len(res.Conflicts) != 0 || res.Updated != 1 {
			t.Fatalf("adopting an orphan = %+v, want an update and no conflict", res)
		}
		se, _ := mustRef(t, s, "component:default/a")
		if se.Provider != "file:/other/*.yaml" || se.LocationKey != "file:/other/a.yaml" {
			t.Errorf("adopted entity: provider %s, key %s", se.Provider, se.LocationKey)
		}
	})
}

func TestDropWithoutOrphanDeletes(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "ThreeScaleApiEntityProvider:dev", catalog.Full, testEntity("API", "a"))
		res := apply(t, s, "ThreeScaleApiEntityProvider:dev", catalog.Full)
		if res.Removed != 1 || res.Orphaned != 0 {
			t.Fatalf("result = %+v, want 1 removed", res)
		}
		if _, err := s.ByRef(context.Background(), catalog.MustParseRef("api:default/a")); err == nil {
			t.Error("entity still stored after a removal without orphans")
		}
	})
}

func TestRegisteredLocations(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		spec := catalog.LocationSpec{Type: "url", Target: "https://example.com/catalog-info.yaml"}
		l, err := s.CreateLocation(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateLocation(ctx, spec); catalog.ErrorCode(err) != catalog.ECONFLICT {
			t.Fatalf("second registration: %v, want a conflict", err)
		}
		got, err := s.LocationByID(ctx, l.ID)
		if err != nil || got != l {
			t.Fatalf("LocationByID = %+v, %v; want %+v", got, err, l)
		}
		list, err := s.Locations(ctx)
		if err != nil || len(list) != 1 || list[0] != l {
			t.Fatalf("Locations = %+v, %v", list, err)
		}
		other, err := s.CreateLocation(ctx, catalog.LocationSpec{Type: "url", Target: "https://example.com/other.yaml"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateLocation(ctx, other.ID, spec); catalog.ErrorCode(err) != catalog.ECONFLICT {
			t.Errorf("updating onto another location's target: %v, want a conflict", err)
		}
		moved := catalog.LocationSpec{Type: "url", Target: "https://example.com/moved.yaml"}
		if got, err := s.UpdateLocation(ctx, other.ID, moved); err != nil || got.Spec() != moved || got.ID != other.ID {
			t.Errorf("UpdateLocation = %+v, %v", got, err)
		}
		if _, err := s.DeleteLocation(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteLocation(ctx, l.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.LocationByID(ctx, l.ID); catalog.ErrorCode(err) != catalog.ENOTFOUND {
			t.Errorf("after delete: %v, want not found", err)
		}
		if _, err := s.DeleteLocation(ctx, l.ID); catalog.ErrorCode(err) != catalog.ENOTFOUND {
			t.Errorf("second delete: %v, want not found", err)
		}
	})
}

// TestDeleteOrphansAfterTheStrategySwitches: orphans kept under the keep
// strategy go when the catalog runs with orphanStrategy: delete (the
// outside test of issue 11 found them kept for good); other entities stay,
// and with keep nothing is deleted.
func TestDeleteOrphansAfterTheStrategySwitches(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a, b, c := testEntity("Component", "a"), testEntity("Component", "b"), testEntity("Component", "c")
		apply(t, s, "file:/catalog/*.yaml", catalog.Full, a, b, c)
		if _, err := s.Apply(ctx, catalog.StoreMutation{Provider: "file:/catalog/*.yaml", Type: catalog.Full,
			Entities: []catalog.ProcessedEntity{c}, Orphan: true}); err != nil {
			t.Fatal(err)
		}
		if n, err := catalog.New(s, catalog.Options{}).DeleteOrphans(ctx); err != nil || n != 0 {
			t.Fatalf("keep strategy: deleted %d (%v), want 0", n, err)
		}
		n, err := catalog.New(s, catalog.Options{OrphanStrategy: catalog.OrphanDelete}).DeleteOrphans(ctx)
		if err != nil || n != 2 {
			t.Fatalf("delete strategy: deleted %d (%v), want 2", n, err)
		}
		page, err := s.Query(ctx, catalog.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalItems != 1 || page.Items[0].Ref.Name != "c" {
			t.Errorf("left %d entities (%v), want only c", page.TotalItems, page.Items)
		}
	})
}

// An orphan's search rows carry its ref key like any entity's: the filters
// that walk the search index in ref-key order (a kind as a ref-key prefix)
// or probe by ref key still find it, in ref-key order, and a page that
// ends on it gives a cursor that continues (its rows were once rewritten
// with an empty key, which sorted first and made a malformed cursor).
func TestOrphansStayInPlannedFilters(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := testEntity("API", "a", spec("owner", "team-x", "lifecycle", "production"))
		b := testEntity("API", "b", spec("owner", "team-x", "lifecycle", "production"))
		apply(t, s, "file:/catalog/*.yaml", catalog.Full, a, b)
		if _, err := s.Apply(ctx, catalog.StoreMutation{Provider: "file:/catalog/*.yaml", Type: catalog.Full,
			Entities: []catalog.ProcessedEntity{b}, Orphan: true}); err != nil {
			t.Fatal(err)
		}
		for _, f := range []catalog.Filter{
			{{cond("kind", "api"), cond("spec.owner", "team-x")}},
			{{cond("spec.owner", "team-x"), cond("spec.lifecycle", "production")}},
			{{cond("metadata.name", "a", "b"), cond("spec.owner", "team-x")}},
			{{cond("kind", "api"), cond("spec.owner", "team-x"), cond("spec.lifecycle", "production")}},
		} {
			var got []string
			q := catalog.Query{Filter: f, Limit: 1}
			for range 3 {
				p, err := s.Query(ctx, q)
				if err != nil {
					t.Fatalf("%v: %v", f, err)
				}
				if p.TotalItems != 2 {
					t.Errorf("%v: total %d, want 2", f, p.TotalItems)
				}
				got = append(got, names(p.Items)...)
				if p.NextCursor == "" {
					break
				}
				q = catalog.Query{Cursor: p.NextCursor, Limit: 1}
			}
			if !slices.Equal(got, []string{"a", "b"}) {
				t.Errorf("%v: pages gave %v, want [a b]", f, got)
			}
		}
	})
}
