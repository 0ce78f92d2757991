package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

func counts(r catalog.ApplyResult) [5]int {
	return [5]int{r.Added, r.Updated, r.Removed, r.Unchanged, r.Invalid}
}

func TestApplyFullMakesBucketExactlyTheSetAndSkipsUnchanged(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		a, b, c := testEntity("API", "a"), testEntity("API", "b"), testEntity("API", "c")
		if got := counts(apply(t, s, "p", catalog.Full, a, b, c)); got != [5]int{3, 0, 0, 0, 0} {
			t.Fatalf("first apply: added/updated/removed/unchanged/invalid = %v", got)
		}
		seA, _ := mustRef(t, s, "api:default/a")
		seB, eB := mustRef(t, s, "api:default/b")
		gen := s.Generation()
		if got := counts(apply(t, s, "p", catalog.Full, a, b, c)); got != [5]int{0, 0, 0, 3, 0} {
			t.Fatalf("same apply: %v", got)
		}
		if s.Generation() != gen {
			t.Errorf("generation changed on a no-op mutation")
		}
		b2 := testEntity("API", "b", description("changed"))
		if got := counts(apply(t, s, "p", catalog.Full, a, b2)); got != [5]int{0, 1, 1, 1, 0} {
			t.Fatalf("change b, drop c: %v", got)
		}
		if s.Generation() == gen {
			t.Errorf("generation did not change after a write")
		}
		seA2, _ := mustRef(t, s, "api:default/a")
		if string(seA2.JSON) != string(seA.JSON) || !seA2.UpdatedAt.Equal(seA.UpdatedAt) {
			t.Errorf("unchanged entity was rewritten")
		}
		seB2, eB2 := mustRef(t, s, "api:default/b")
		if seB2.UID != seB.UID || eB2.Metadata.UID != seB.UID {
			t.Errorf("uid changed on update: %s -> %s", seB.UID, seB2.UID)
		}
		if eB2.Metadata.Etag == eB.Metadata.Etag || eB2.Metadata.Description != "changed" {
			t.Errorf("update not visible or etag unchanged: %+v", eB2.Metadata)
		}
		if _, err := s.ByRef(context.Background(), catalog.MustParseRef("api:default/c")); err != catalog.ErrNotFound {
			t.Errorf("removed entity: err = %v, want ErrNotFound", err)
		}
		if _, err := s.ByUID(context.Background(), seB.UID); err != nil {
			t.Errorf("ByUID: %v", err)
		}
	})
}

func TestApplyDeltaUpsertsAndRemovesOnlyOwnBucket(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "other", catalog.Full, testEntity("API", "theirs"))
		apply(t, s, "p", catalog.Delta, testEntity("API", "a"), testEntity("API", "b"))
		res, err := s.Apply(context.Background(), catalog.StoreMutation{
			Provider: "p", Type: catalog.Delta,
			Entities: []catalog.ProcessedEntity{testEntity("API", "c")},
			Removed:  []catalog.Ref{catalog.MustParseRef("api:default/a"), catalog.MustParseRef("api:default/theirs")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := counts(res); got != [5]int{1, 0, 1, 0, 0} {
			t.Fatalf("delta: %v", got)
		}
		for ref, want := range map[string]bool{"api:default/a": false, "api:default/b": true, "api:default/c": true, "api:default/theirs": true} {
			_, err := s.ByRef(context.Background(), catalog.MustParseRef(ref))
			if (err == nil) != want {
				t.Errorf("%s present = %v, want %v", ref, err == nil, want)
			}
		}
	})
}

func TestLocationKeyRules(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		// 1. stored without a location key: the new claim takes it over.
		apply(t, s, "old", catalog.Full, testEntity("API", "free", location("", "")))
		res := apply(t, s, "new", catalog.Full, testEntity("API", "free", location("url:x", "url:x"), description("new")))
		if len(res.Conflicts) != 0 || res.Updated != 1 {
			t.Errorf("take over keyless: %+v", res)
		}
		se, e := mustRef(t, s, "api:default/free")
		if se.Provider != "new" || e.Metadata.Description != "new" {
			t.Errorf("keyless entity not taken over: provider %s", se.Provider)
		}
		// 2. same location key from another provider: the new one wins.
		apply(t, s, "a", catalog.Full, testEntity("API", "same", location("url:same", "url:same")))
		res = apply(t, s, "b", catalog.Full, testEntity("API", "same", location("url:same", "url:same"), description("b")))
		if len(res.Conflicts) != 0 {
			t.Errorf("same key: conflicts %+v", res.Conflicts)
		}
		if _, e := mustRef(t, s, "api:default/same"); e.Metadata.Description != "b" {
			t.Errorf("same key: new claim did not win")
		}
		// 3. another location key: rejected, recorded, visible on the entity.
		apply(t, s, "a", catalog.Full, testEntity("API", "owned", location("url:one", "url:one")))
		res = apply(t, s, "c", catalog.Full, testEntity("API", "owned", location("url:two", "url:two"), description("intruder")))
		if len(res.Conflicts) != 1 || res.Added+res.Updated != 0 {
			t.Fatalf("other key: %+v", res)
		}
		want := "Detected conflicting entityRef api:default/owned already referenced by url:one and now also url:two"
		if res.Conflicts[0].Message != want {
			t.Errorf("message = %q, want %q", res.Conflicts[0].Message, want)
		}
		se, e = mustRef(t, s, "api:default/owned")
		if e.Metadata.Description == "intruder" || se.Provider != "a" {
			t.Errorf("rejected claim changed the entity")
		}
		if len(se.Conflicts) != 1 || se.Conflicts[0].Provider != "c" || se.Conflicts[0].LocationKey != "url:two" {
			t.Errorf("conflict not recorded on entity: %+v", se.Conflicts)
		}
		// The rejected provider stops claiming it: the record goes away.
		apply(t, s, "c", catalog.Full)
		if se, _ = mustRef(t, s, "api:default/owned"); len(se.Conflicts) != 0 {
			t.Errorf("stale conflict kept: %+v", se.Conflicts)
		}
	})
}

func TestMoveBetweenFilesOfOneProvider(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "file", catalog.Full, testEntity("API", "x", location("file:/a.yaml", "file:/a.yaml")))
		res := apply(t, s, "file", catalog.Full, testEntity("API", "x", location("file:/b.yaml", "file:/b.yaml")))
		if len(res.Conflicts) != 0 || res.Updated != 1 {
			t.Fatalf("move: %+v", res)
		}
		if se, _ := mustRef(t, s, "api:default/x"); se.LocationKey != "file:/b.yaml" {
			t.Errorf("location key = %s", se.LocationKey)
		}
	})
}

func TestInvalidEntityKeepsLastGoodVersion(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		good := testEntity("API", "x", description("good"))
		apply(t, s, "p", catalog.Full, good)
		bad := testEntity("API", "x", description("bad"), problems("spec.owner is required"))
		res := apply(t, s, "p", catalog.Full, bad)
		if got := counts(res); got != [5]int{0, 0, 0, 0, 1} || len(res.Problems) != 1 {
			t.Fatalf("invalid apply: %v %+v", got, res.Problems)
		}
		se, e := mustRef(t, s, "api:default/x")
		if e.Metadata.Description != "good" {
			t.Errorf("last good version lost: %q", e.Metadata.Description)
		}
		if len(se.Problems) != 1 || !strings.Contains(string(se.JSON), "spec.owner is required") {
			t.Errorf("problems not shown: %+v\n%s", se.Problems, se.JSON)
		}
		if e.Status == nil || len(e.Status.Items) != 1 || e.Status.Items[0].Level != "error" {
			t.Errorf("status items = %+v", e.Status)
		}
		// Fixed again: problems cleared.
		apply(t, s, "p", catalog.Full, good)
		if se, _ = mustRef(t, s, "api:default/x"); len(se.Problems) != 0 {
			t.Errorf("problems kept after fix: %+v", se.Problems)
		}
		// Never valid: recorded as a source problem, not stored.
		res = apply(t, s, "p", catalog.Full, good, testEntity("API", "y", problems("broken")))
		if res.Invalid != 1 {
			t.Errorf("invalid = %d", res.Invalid)
		}
		sps, err := s.SourceProblems(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(sps) != 1 || sps[0].Location != "file:/catalog/y.yaml" || sps[0].Problems[0].Message != "broken" {
			t.Errorf("source problems = %+v", sps)
		}
		if _, err := s.ByRef(context.Background(), catalog.MustParseRef("api:default/y")); err != catalog.ErrNotFound {
			t.Errorf("never-valid entity stored: %v", err)
		}
	})
}

func TestFailedSourceKeepsItsEntities(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a1 := testEntity("API", "a1", location("file:/a.yaml", "file:/a.yaml"))
		a2 := testEntity("API", "a2", location("file:/a.yaml", "file:/a.yaml"))
		b1 := testEntity("API", "b1", location("file:/b.yaml", "file:/b.yaml"))
		apply(t, s, "file", catalog.Full, a1, a2, b1)
		failed := []catalog.FailedSource{{Location: "file:/a.yaml", Problems: []catalog.Problem{{File: "/a.yaml", Message: "yaml: line 3: bad indentation"}}}}
		res, err := s.Apply(ctx, catalog.StoreMutation{Provider: "file", Type: catalog.Full, Entities: []catalog.ProcessedEntity{b1}, Failed: failed})
		if err != nil {
			t.Fatal(err)
		}
		if res.Removed != 0 {
			t.Errorf("removed %d entities of a failed source", res.Removed)
		}
		mustRef(t, s, "api:default/a1")
		sps, _ := s.SourceProblems(ctx)
		if len(sps) != 1 || sps[0].Location != "file:/a.yaml" {
			t.Fatalf("source problems = %+v", sps)
		}
		apply(t, s, "file", catalog.Full, a1, b1)
		if sps, _ = s.SourceProblems(ctx); len(sps) != 0 {
			t.Errorf("source problems kept after a good read: %+v", sps)
		}
		if _, err := s.ByRef(ctx, catalog.MustParseRef("api:default/a2")); err != catalog.ErrNotFound {
			t.Errorf("a2 should be gone once a.yaml reads without it: %v", err)
		}
	})
}

func TestRelationsSplicedAtReadTime(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "groups", catalog.Full, testEntity("Group", "team-a"))
		apply(t, s, "apis", catalog.Full, testEntity("API", "Pets", ownedBy("team-a")))
		_, g := mustRef(t, s, "group:default/team-a")
		// Backstage lower-cases every targetRef (stringifyEntityRef), whatever
		// the target's own spelling.
		want := []catalog.Relation{{Type: "ownerOf", TargetRef: "api:default/pets"}}
		if diff := cmp.Diff(want, g.Relations); diff != "" {
			t.Errorf("group relations (-want +got):\n%s", diff)
		}
		apply(t, s, "apis", catalog.Full)
		_, g = mustRef(t, s, "group:default/team-a")
		if len(g.Relations) != 0 {
			t.Errorf("relations of a removed API kept: %+v", g.Relations)
		}
	})
}

func TestByRefsKeepsOrder(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "p", catalog.Full, testEntity("API", "a"), testEntity("API", "b"))
		refs := []catalog.Ref{catalog.MustParseRef("api:default/b"), catalog.MustParseRef("api:default/nope"), catalog.MustParseRef("API:default/A")}
		got, err := s.ByRefs(context.Background(), refs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0] == nil || got[0].Ref.Name != "b" || got[1] != nil || got[2] == nil || got[2].Ref.Name != "a" {
			t.Fatalf("ByRefs = %+v", got)
		}
	})
}

func TestByRefsWithFilterAnswersNilForNonMatches(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		apply(t, s, "p", catalog.Full, testEntity("API", "a", ownedBy("team-a")), testEntity("API", "b", ownedBy("team-b")), testEntity("Group", "team-a"))
		refs := []catalog.Ref{catalog.MustParseRef("api:default/a"), catalog.MustParseRef("api:default/b"), catalog.MustParseRef("group:default/team-a")}
		filter := catalog.Filter{
			{{Key: "relations.ownedby", Values: []string{"group:default/team-a"}}},
			{{Key: "kind", Values: []string{"group"}}},
		}
		got, err := s.ByRefs(context.Background(), refs, filter)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, se := range got {
			if se == nil {
				names = append(names, "<nil>")
			} else {
				names = append(names, se.Ref.Name)
			}
		}
		if diff := cmp.Diff([]string{"a", "<nil>", "team-a"}, names); diff != "" {
			t.Errorf("ByRefs with filter (-want +got):\n%s", diff)
		}
	})
}

func TestConcurrentMutationsAllCommit(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		const writers, rounds = 4, 5
		errs := make(chan error, writers*rounds)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					e := testEntity("API", fmt.Sprintf("w%d-r%d", w, r))
					_, err := s.Apply(context.Background(), catalog.StoreMutation{
						Provider: fmt.Sprintf("p%d", w), Type: catalog.Delta, Entities: []catalog.ProcessedEntity{e}})
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		page, err := s.Query(context.Background(), catalog.Query{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalItems != writers*rounds {
			t.Errorf("TotalItems = %d, want %d", page.TotalItems, writers*rounds)
		}
	})
}

func TestNewUIDIsATimeOrderedUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	prev := newUID()
	for range 100 {
		u := newUID()
		if !re.MatchString(u) {
			t.Fatalf("uid %q is not a version-7 UUID", u)
		}
		if u[:8] < prev[:8] {
			t.Fatalf("uid %q sorts before the earlier %q", u, prev)
		}
		prev = u
	}
}

// A prepared mutation is written exactly as an unprepared one: inserts get
// the uid they were encoded with, updates keep the stored uid (in the body
// too) and get a new etag, and an unchanged entity is not rewritten.
func TestPreparedMutations(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		prepApply := func(es ...catalog.ProcessedEntity) catalog.ApplyResult {
			t.Helper()
			m := catalog.StoreMutation{Provider: "p", Type: catalog.Delta, Entities: es}
			s.Prepare(context.Background(), &m)
			for _, pe := range m.Entities {
				stored, _ := s.loadStored(context.Background(), s.sql, "", false, []any{pe.Ref.Key()})
				_, ok := pe.Prepared.(*prepared)
				if want := len(pe.Problems) == 0 && (stored[pe.Ref.Key()] == nil || stored[pe.Ref.Key()].hash != pe.Hash); ok != want {
					t.Fatalf("%s prepared = %v, want %v", pe.Ref, ok, want)
				}
			}
			res, err := s.Apply(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		res := prepApply(testEntity("API", "petstore", title("Pets")), testEntity("API", "broken", problems("bad")))
		if got, want := counts(res), [5]int{1, 0, 0, 0, 1}; got != want {
			t.Errorf("first apply: counts %v, want %v", got, want)
		}
		se, e := mustRef(t, s, "api:default/petstore")
		if e.Metadata.UID != se.UID || se.UID == "" {
			t.Fatalf("body uid %q, stored uid %q", e.Metadata.UID, se.UID)
		}
		firstEtag := e.Metadata.Etag

		res = prepApply(testEntity("API", "petstore", title("Pets v2")))
		if got, want := counts(res), [5]int{0, 1, 0, 0, 0}; got != want {
			t.Errorf("update: counts %v, want %v", got, want)
		}
		se2, e2 := mustRef(t, s, "api:default/petstore")
		if se2.UID != se.UID || e2.Metadata.UID != se.UID {
			t.Errorf("update changed the uid: stored %q body %q, was %q", se2.UID, e2.Metadata.UID, se.UID)
		}
		if e2.Metadata.Title != "Pets v2" || e2.Metadata.Etag == firstEtag {
			t.Errorf("update: title %q, etag %q (was %q)", e2.Metadata.Title, e2.Metadata.Etag, firstEtag)
		}
		page, err := s.Query(context.Background(), catalog.Query{Filter: catalog.Filter{{{Key: "metadata.title", Values: []string{"pets v2"}}}}})
		if err != nil || page.TotalItems != 1 {
			t.Errorf("search rows of the prepared update: %d matches (%v)", page.TotalItems, err)
		}

		res = prepApply(testEntity("API", "petstore", title("Pets v2")))
		if got, want := counts(res), [5]int{0, 0, 0, 1, 0}; got != want {
			t.Errorf("unchanged: counts %v, want %v", got, want)
		}

		// Prepared while unchanged (so not encoded), changed by another
		// write before it is applied: Apply encodes it itself.
		m := catalog.StoreMutation{Provider: "p", Type: catalog.Delta, Entities: []catalog.ProcessedEntity{testEntity("API", "petstore", title("Pets v2"))}}
		s.Prepare(context.Background(), &m)
		apply(t, s, "p", catalog.Delta, testEntity("API", "petstore", title("Pets v3")))
		if res, err := s.Apply(context.Background(), m); err != nil || counts(res) != [5]int{0, 1, 0, 0, 0} {
			t.Fatalf("apply after a concurrent change: %v %v", counts(res), err)
		}
		if _, e := mustRef(t, s, "api:default/petstore"); e.Metadata.Title != "Pets v2" || e.Metadata.UID != se.UID {
			t.Errorf("after a concurrent change: title %q uid %q", e.Metadata.Title, e.Metadata.UID)
		}
	})
}

func TestStorableEntityIsStoredOnFirstReadWithItsProblems(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		storable := func(pe *catalog.ProcessedEntity) { pe.Storable = true }
		missing := func(pe *catalog.ProcessedEntity) {
			pe.Problems = []catalog.Problem{{File: pe.Location, Entity: pe.Ref.String(), Field: "spec.targets[1]",
				Message: "target ./gone.yaml: file:/catalog/gone.yaml does not exist"}}
		}
		for _, prepare := range []bool{false, true} {
			t.Run(fmt.Sprintf("prepared=%v", prepare), func(t *testing.T) {
				name := fmt.Sprintf("all-%v", prepare)
				first := testEntity("Location", name, description("v1"), missing, storable)
				m := catalog.StoreMutation{Provider: "p", Type: catalog.Delta, Entities: []catalog.ProcessedEntity{first}}
				if prepare {
					s.Prepare(ctx, &m)
				}
				res, err := s.Apply(ctx, m)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := counts(res), [5]int{1, 0, 0, 0, 1}; got != want || len(res.Problems) != 1 {
					t.Fatalf("first read: counts %v, want %v; problems %+v", got, want, res.Problems)
				}
				ref := "location:default/" + name
				se, e := mustRef(t, s, ref)
				if len(se.Problems) != 1 || se.Problems[0].Field != "spec.targets[1]" {
					t.Errorf("problems = %+v", se.Problems)
				}
				if e.Status == nil || len(e.Status.Items) != 1 || e.Status.Items[0].Type != "backstage.io/catalog-processing" ||
					!strings.Contains(e.Status.Items[0].Message, "gone.yaml does not exist") {
					t.Errorf("status = %+v", e.Status)
				}
				// Still broken, and edited: the stored version stays, with the problems.
				apply(t, s, "p", catalog.Delta, testEntity("Location", name, description("v2"), missing, storable))
				if se, e := mustRef(t, s, ref); e.Metadata.Description != "v1" || len(se.Problems) != 1 {
					t.Errorf("second broken read: description %q, problems %+v", e.Metadata.Description, se.Problems)
				}
				// Fixed: the problems go.
				apply(t, s, "p", catalog.Delta, testEntity("Location", name, description("v1")))
				if se, _ := mustRef(t, s, ref); len(se.Problems) != 0 || se.UID == "" {
					t.Errorf("problems kept after the fix: %+v", se.Problems)
				}
			})
		}
		// An entity with problems of its own is still not stored on first read.
		apply(t, s, "p", catalog.Delta, testEntity("Location", "invalid", problems("spec.type must be a string")))
		if _, err := s.ByRef(ctx, catalog.MustParseRef("location:default/invalid")); err != catalog.ErrNotFound {
			t.Errorf("invalid entity stored: %v", err)
		}
	})
}

// A statement that fails halfway through a mutation's multi-row inserts
// fails the whole mutation: none of its rows stay, on either dialect (the
// SQLite inserts are INSERT OR FAIL, which keeps a failing statement's own
// earlier rows until Apply rolls the transaction back).
func TestFailedInsertLeavesNothingOfTheMutation(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		apply(t, s, "p", catalog.Full, testEntity("API", "kept", tags("ok")))
		guard := "CREATE TRIGGER search_boom BEFORE INSERT ON search WHEN NEW.value = 'boom' BEGIN SELECT RAISE(FAIL, 'boom'); END"
		if s.Dialect() == Postgres {
			guard = "ALTER TABLE search ADD CONSTRAINT search_boom CHECK (value IS DISTINCT FROM 'boom')"
		}
		if _, err := s.sql.ExecContext(ctx, guard); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			var n int
			if err := s.sql.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		rows := count("SELECT count(*) FROM search")
		var es []catalog.ProcessedEntity
		for i := range 30 {
			tag := "ok"
			if i == 20 {
				tag = "boom"
			}
			es = append(es, testEntity("API", fmt.Sprintf("new-%02d", i), tags(tag)))
		}
		_, err := s.Apply(ctx, catalog.StoreMutation{Provider: "p", Type: catalog.Delta, Entities: es})
		if err == nil {
			t.Fatal("Apply succeeded although an insert failed")
		}
		if n := count("SELECT count(*) FROM entities"); n != 1 {
			t.Errorf("%d entities after the failed mutation, want the 1 from before", n)
		}
		if n := count("SELECT count(*) FROM entity_bodies"); n != 1 {
			t.Errorf("%d bodies after the failed mutation, want 1", n)
		}
		if n := count("SELECT count(*) FROM search"); n != rows {
			t.Errorf("%d search rows after the failed mutation, want the %d from before", n, rows)
		}
		mustRef(t, s, "api:default/kept")
		// The store still writes afterwards.
		apply(t, s, "p", catalog.Delta, testEntity("API", "later", tags("ok")))
		mustRef(t, s, "api:default/later")
	})
}
