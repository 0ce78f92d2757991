package apihistory

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// storedBytes is the length of each of key's stored definitions, newest
// version first (0: stored without a body).
func storedBytes(t *testing.T, st *store.Store, key string) []int {
	t.Helper()
	const q = "SELECT length(definition) FROM api_versions WHERE entity_key = ? ORDER BY current_since DESC, id DESC"
	rows, err := st.DB().QueryContext(context.Background(), q, key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// TestTheCurrentVersionIsStoredWithoutItsBodyUntilReplaced: the entity
// holds the current definition, so a version is stored without it (a cold
// ingest writes no second copy); when a new definition arrives, the body
// of the version it replaces is stored, and every version still reads
// and diffs, the reverted one included.
func TestTheCurrentVersionIsStoredWithoutItsBodyUntilReplaced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		const key = "api:default/pets"
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)})
		if got := storedBytes(t, st, key); len(got) != 1 || got[0] != 0 {
			t.Fatalf("after the first sync, stored bytes %v, want [0]", got)
		}
		v1 := r.versions(key)[0]
		if def, err := r.hist.Definition(ctx, v1.ID); err != nil || string(def) != recPets {
			t.Fatalf("current definition read from the entity: %q, %v", def, err)
		}

		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPetsV2)})
		if got := storedBytes(t, st, key); len(got) != 2 || got[0] != 0 || got[1] == 0 {
			t.Fatalf("after the edit, stored bytes %v, want [0 >0]", got)
		}
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)}) // reverted
		if got := storedBytes(t, st, key); len(got) != 2 || got[0] == 0 || got[1] == 0 {
			t.Fatalf("after the revert, stored bytes %v, want both kept", got)
		}
		tl := r.versions(key)
		for _, v := range tl {
			want := map[string]string{"1.0": recPets, "2.0": recPetsV2}[v.InfoVersion]
			if def, err := r.hist.Definition(ctx, v.ID); err != nil || string(def) != want {
				t.Errorf("definition of %s: %q, %v", v.InfoVersion, def, err)
			}
		}
		if tl[0].Changes == nil || tl[0].Changes.Breaking != 0 || tl[0].Changes.Info == 0 {
			t.Errorf("diff of the revert (an added operation): %+v", tl[0].Changes)
		}
		rep, err := r.rec.DiffBetween(ctx, tl[0].ID, tl[1].ID)
		if err != nil || rep.Counts.Breaking != 1 {
			t.Errorf("on-demand diff between the two: %+v, %v", rep, err)
		}
	})
}

// TestTheReplacedBodyIsStoredWithTheNewDefinition: the body of the
// version being replaced is stored in the transaction that overwrites the
// entity holding it, so there is no moment, and no crash, after which it
// is lost: preparing the mutation stores nothing yet, and once it is
// written the old version reads before the recorder flushes.
func TestTheReplacedBodyIsStoredWithTheNewDefinition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		const key = "api:default/pets"
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)})
		ents, _ := catalog.ParseYAML([]byte(apiFile("pets", recPetsV2)), catalog.Source{Location: "file:/srv/pets.yaml"})
		p, err := r.cat.Prepare(ctx, "file:/srv/*.yaml", catalog.Mutation{Type: catalog.Full, Entities: ents})
		if err != nil {
			t.Fatal(err)
		}
		if got := storedBytes(t, st, key); len(got) != 1 || got[0] != 0 {
			t.Fatalf("prepared, not written: stored bytes %v, want [0]", got)
		}
		if _, err := r.cat.ApplyPrepared(ctx, p); err != nil {
			t.Fatal(err)
		}
		if got := storedBytes(t, st, key); len(got) != 1 || got[0] == 0 {
			t.Fatalf("written, not flushed: stored bytes %v, want the replaced body kept", got)
		}
		v1 := r.versions(key)[0]
		if def, err := r.hist.Definition(ctx, v1.ID); err != nil || string(def) != recPets {
			t.Errorf("replaced definition before the flush: %q, %v", def, err)
		}
		r.rec.Flush(ctx)
		if got := storedBytes(t, st, key); len(got) != 2 || got[0] != 0 || got[1] == 0 {
			t.Errorf("flushed: stored bytes %v, want [0 >0]", got)
		}
	})
}

// TestAChangeBesideTheDefinitionAddsNothing: an API rewritten for another
// reason (its description) adds no version and stores no body: the
// current definition stays held by the entity alone.
func TestAChangeBesideTheDefinitionAddsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		const key = "api:default/pets"
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)})
		described := strings.Replace(apiFile("pets", recPets), "metadata: {name: pets}", "metadata: {name: pets, description: Pets}", 1)
		// Applied without the rig's flush: what the write hook noted is
		// still pending, and a flush would hide a wrong note (it finds
		// the hash current and forgets it).
		ents, _ := catalog.ParseYAML([]byte(described), catalog.Source{Location: "file:/srv/pets.yaml"})
		if _, err := r.cat.Apply(context.Background(), "file:/srv/*.yaml", catalog.Mutation{Type: catalog.Full, Entities: ents}); err != nil {
			t.Fatal(err)
		}
		if n := r.rec.Pending(); n != 0 {
			t.Errorf("%d APIs noted for a description change", n)
		}
		r.rec.Flush(context.Background())
		if got := storedBytes(t, st, key); len(got) != 1 || got[0] != 0 {
			t.Errorf("stored bytes %v, want [0]", got)
		}
	})
}

// removedKeepsItsLastDefinition records pets twice (1.0, then 2.0, stored
// without its body), removes it with remove, and checks that the last
// definition is kept: it reads, diffs with the one before, and a second
// removal of the same API (back, then gone again) keeps it once.
func removedKeepsItsLastDefinition(t *testing.T, st *store.Store, opts catalog.Options, remove func(r *rig)) {
	t.Helper()
	ctx := context.Background()
	r := newRig(t, st)
	if opts.OrphanStrategy != "" {
		opts.Processors = []catalog.Processor{r.rec.Processor()}
		r.cat = catalog.New(st, opts)
		r.cat.AddCommitHook(r.rec.CommitHook())
	}
	const key = "api:default/pets"
	x := apiFile("x", recPets)
	r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets), "file:/srv/x.yaml": x})
	r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPetsV2), "file:/srv/x.yaml": x})
	if got := storedBytes(t, st, key); len(got) != 2 || got[0] != 0 {
		t.Fatalf("before the removal, stored bytes %v, want [0 >0]", got)
	}
	remove(r)
	if _, err := st.ByRef(ctx, catalog.MustParseRef(key)); catalog.ErrorCode(err) != catalog.ENOTFOUND {
		t.Fatalf("pets still stored: %v", err)
	}
	if got := storedBytes(t, st, key); len(got) != 2 || got[0] == 0 || got[1] == 0 {
		t.Errorf("after the removal, stored bytes %v, want both kept", got)
	}
	tl := r.versions(key)
	if def, err := r.hist.Definition(ctx, tl[0].ID); err != nil || string(def) != recPetsV2 {
		t.Errorf("last definition of the removed API: %q, %v", def, err)
	}
	// The diff computed when 2.0 arrived is dropped: computed again, it
	// reads the kept body.
	if _, err := st.DB().ExecContext(ctx, "DELETE FROM api_version_diffs"); err != nil {
		t.Fatal(err)
	}
	if rep, err := r.rec.DiffBetween(ctx, tl[1].ID, tl[0].ID); err != nil || rep.Counts.Breaking != 1 {
		t.Errorf("diff with the last definition: %+v, %v", rep, err)
	}
	if x, err := st.ByRef(ctx, catalog.MustParseRef("api:default/x")); err != nil || x == nil {
		t.Errorf("x, not removed: %v", err)
	}
}

// TestAnAPIRemovedByAFullMutationKeepsItsLastDefinition: a provider run
// that no longer lists the API deletes it; its current version, stored
// without a body, gets it in the same transaction.
func TestAnAPIRemovedByAFullMutationKeepsItsLastDefinition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		removedKeepsItsLastDefinition(t, st, catalog.Options{}, func(r *rig) {
			r.sync(map[string]string{"file:/srv/x.yaml": apiFile("x", recPets)})
		})
	})
}

// TestAnAPIRemovedByADeltaKeepsItsLastDefinition: a delta's Removed.
func TestAnAPIRemovedByADeltaKeepsItsLastDefinition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		removedKeepsItsLastDefinition(t, st, catalog.Options{}, func(r *rig) {
			if _, err := r.cat.Apply(context.Background(), "file:/srv/*.yaml", catalog.Mutation{Type: catalog.Delta,
				Removed: []catalog.Ref{catalog.MustParseRef("api:default/pets")}}); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// TestAnAPIRemovedByUIDKeepsItsLastDefinition: Catalog.RemoveEntity
// (DELETE /entities/by-uid/{uid}).
func TestAnAPIRemovedByUIDKeepsItsLastDefinition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		removedKeepsItsLastDefinition(t, st, catalog.Options{}, func(r *rig) {
			ctx := context.Background()
			se, err := st.ByRef(ctx, catalog.MustParseRef("api:default/pets"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.cat.RemoveEntity(ctx, se.UID); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// TestADeletedOrphanAPIKeepsItsLastDefinition: under the delete orphan
// strategy, an orphan kept before goes with DeleteOrphans.
func TestADeletedOrphanAPIKeepsItsLastDefinition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		removedKeepsItsLastDefinition(t, st, catalog.Options{OrphanStrategy: catalog.OrphanDelete}, func(r *rig) {
			ctx := context.Background()
			// The run that stopped emitting it kept it as an orphan
			// (the keep strategy, before the configuration changed).
			ents, _ := catalog.ParseYAML([]byte(apiFile("x", recPets)), catalog.Source{Location: "file:/srv/x.yaml"})
			keep := catalog.New(st, catalog.Options{})
			if _, err := keep.Apply(ctx, "file:/srv/*.yaml", catalog.Mutation{Type: catalog.Full, Entities: ents, Orphans: true}); err != nil {
				t.Fatal(err)
			}
			if n, err := r.cat.DeleteOrphans(ctx); err != nil || n != 1 {
				t.Fatalf("DeleteOrphans: %d, %v", n, err)
			}
		})
	})
}

// TestARemovalKeepsNoDefinitionOfAnotherHash: the API's current version
// was recorded, without its body, for a definition its entity no longer
// holds (a process without API history rewrote it); removing the API
// stores the entity's definition under no version, and the version says
// its definition was not kept.
func TestARemovalKeepsNoDefinitionOfAnotherHash(t *testing.T) {
	for _, driver := range []string{store.SQLite, store.Postgres} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			var dsn string
			if driver == store.Postgres {
				dsn = storetest.PostgresDSN(t)
			} else {
				dsn = filepath.Join(t.TempDir(), "portico.db")
			}
			on, off := openStore(t, driver, dsn), openStore(t, driver, dsn)
			r := newRig(t, on)
			const key = "api:default/pets"
			x := apiFile("x", recPets)
			r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets), "file:/srv/x.yaml": x})
			v := r.versions(key)[0]
			rewrite := catalog.Mutation{Type: catalog.Full}
			for loc, f := range map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPetsV2), "file:/srv/x.yaml": x} {
				ents, _ := catalog.ParseYAML([]byte(f), catalog.Source{Location: loc})
				rewrite.Entities = append(rewrite.Entities, ents...)
			}
			if _, err := catalog.New(off, catalog.Options{}).Apply(ctx, "file:/srv/*.yaml", rewrite); err != nil {
				t.Fatal(err)
			}
			r.sync(map[string]string{"file:/srv/x.yaml": x}) // pets is removed
			if _, err := on.ByRef(ctx, catalog.MustParseRef(key)); catalog.ErrorCode(err) != catalog.ENOTFOUND {
				t.Fatalf("pets still stored: %v", err)
			}
			if got := storedBytes(t, on, key); len(got) != 1 || got[0] != 0 {
				t.Errorf("stored bytes %v, want [0]: the removed definition has another hash", got)
			}
			if _, err := r.hist.Definition(ctx, v.ID); !errors.Is(err, ErrNotKept) {
				t.Errorf("definition of the version: %v, want ErrNotKept", err)
			}
		})
	}
}

// openStore opens a store on the database dsn names, closed when the test
// ends: two on one database are two processes.
func openStore(t *testing.T, driver, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{Driver: driver, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestARemovedAPIsDefinitionIsNotKeptWithoutTheHook: a history store not
// told of removals (KeepRemovedFrom) cannot read a removed API's last
// definition, and says so with ErrNotKept rather than another one.
func TestARemovedAPIsDefinitionIsNotKeptWithoutTheHook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		hist, err := Open(ctx, st.DB(), nil)
		if err != nil {
			t.Fatal(err)
		}
		hist.ReadingCurrentFrom(st)
		rec := NewRecorder(hist, st, RecorderOptions{})
		rec.WatchWritesOf(st)
		cat := catalog.New(st, catalog.Options{Processors: []catalog.Processor{rec.Processor()}})
		cat.AddCommitHook(rec.CommitHook())
		r := &rig{t: t, cat: cat, hist: hist, rec: rec}
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets), "file:/srv/x.yaml": apiFile("x", recPets)})
		v := r.versions("api:default/pets")[0]
		r.sync(map[string]string{"file:/srv/x.yaml": apiFile("x", recPets)})
		if _, err := r.hist.Definition(ctx, v.ID); !errors.Is(err, ErrNotKept) {
			t.Errorf("definition of a removed API: %v, want ErrNotKept", err)
		}
	})
}

// TestVersionsStoredWithTheirBodiesKeepWorking: a database written before
// versions were stored without bodies (every version compressed) records
// and diffs the same.
func TestVersionsStoredWithTheirBodiesKeepWorking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		const key = "api:default/pets"
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)})
		if _, err := st.DB().ExecContext(ctx, "DELETE FROM api_versions"); err != nil {
			t.Fatal(err)
		}
		old, _, err := r.hist.Record(ctx, Version{EntityKey: key, SpecType: "openapi"}, []byte(recPets))
		if err != nil {
			t.Fatal(err)
		}
		r = newRig(t, st) // a restart on the upgraded binary
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPetsV2)})
		tl := r.versions(key)
		if len(tl) != 2 || tl[1].ID != old.ID || tl[0].Changes == nil || tl[0].Changes.Breaking != 1 {
			t.Fatalf("after the edit: %+v", tl)
		}
		if got := storedBytes(t, st, key); got[1] == 0 {
			t.Errorf("stored bytes %v: the old body is gone", got)
		}
	})
}

// revReader is a location's Reader that knows the revision it read, as
// the S3 provider's does (the object's ETag).
type revReader struct{ rev string }

func (revReader) ReadRelative(context.Context, string) ([]byte, string, error) {
	return nil, "", errors.New("no placeholders here")
}
func (r revReader) Revision() string { return r.rev }

// TestAVersionRecordsItsRunAndRevision: the source of a version names the
// provider run that first saw it and the revision of its location when
// the provider knows them; a definition seen again keeps its first source.
func TestAVersionRecordsItsRunAndRevision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		apply := func(run, rev, def string) {
			t.Helper()
			ents, _ := catalog.ParseYAML([]byte(apiFile("pets", def)), catalog.Source{Location: "url:https://b/pets.yaml", Reader: revReader{rev}})
			ctx := catalog.WithRun(context.Background(), run)
			if _, err := r.cat.Apply(ctx, "awsS3-provider:b", catalog.Mutation{Type: catalog.Full, Entities: ents}); err != nil {
				t.Fatal(err)
			}
			r.rec.Flush(ctx)
		}
		apply("run-1", `"etag-1"`, recPets)
		apply("run-2", `"etag-2"`, recPetsV2)
		apply("run-3", `"etag-3"`, recPets) // reverted: the first version again
		tl := r.versions("api:default/pets")
		if len(tl) != 2 || tl[0].RunID != "run-1" || tl[0].Revision != `"etag-1"` ||
			tl[1].RunID != "run-2" || tl[1].Revision != `"etag-2"` || tl[0].Provider != "awsS3-provider:b" {
			t.Fatalf("timeline: %+v", tl)
		}
		if v, err := r.hist.Get(context.Background(), tl[1].ID); err != nil || v.RunID != "run-2" || v.Revision != `"etag-2"` {
			t.Errorf("Get: %+v, %v", v, err)
		}
	})
}

// TestAReplicaDoesNotWarnOfABodyAnotherKept: two replicas share the
// database; the one that applies a new definition second finds the
// replaced body already kept by the other, and says nothing of a loss.
func TestAReplicaDoesNotWarnOfABodyAnotherKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		a, b := newRig(t, st), newRig(t, st)
		var logs strings.Builder
		a.rec.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
		a.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)})
		b.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)})
		b.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPetsV2)})
		a.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPetsV2)})
		if logs.Len() > 0 {
			t.Errorf("warned: %s", logs.String())
		}
		if tl := a.versions("api:default/pets"); len(tl) != 2 {
			t.Errorf("%d versions, want 2", len(tl))
		}
		if got := storedBytes(t, st, "api:default/pets"); len(got) != 2 || got[1] == 0 {
			t.Errorf("stored bytes %v", got)
		}
	})
}
