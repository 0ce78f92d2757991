package apihistory

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

const recPets = `openapi: 3.0.3
info: {title: Pets, version: "1.0"}
paths:
  /pets:
    get:
      responses:
        "200": {description: ok}
  /pets/{id}:
    delete:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: deleted}
`

// recPetsV2 removes DELETE /pets/{id}: one breaking change.
var recPetsV2 = strings.Replace(strings.Replace(recPets, `  /pets/{id}:
    delete:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: deleted}
`, "", 1), `"1.0"`, `"2.0"`, 1)

func apiFile(name, definition string) string {
	def, _ := json.Marshal(definition)
	return "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: " + name + "}\n" +
		"spec: {type: openapi, lifecycle: production, owner: team-a, definition: " + string(def) + "}\n"
}

type rig struct {
	t    *testing.T
	cat  *catalog.Catalog
	hist *Store
	rec  *Recorder
}

func newRig(t *testing.T, st *store.Store) *rig {
	t.Helper()
	hist, err := Open(context.Background(), st.DB(), nil)
	if err != nil {
		t.Fatal(err)
	}
	hist.ReadingCurrentFrom(st).KeepRemovedFrom(st)
	rec := NewRecorder(hist, st, RecorderOptions{})
	rec.WatchWritesOf(st)
	cat := catalog.New(st, catalog.Options{Processors: []catalog.Processor{rec.Processor()}})
	cat.AddCommitHook(rec.CommitHook())
	return &rig{t: t, cat: cat, hist: hist, rec: rec}
}

// sync applies the files as one provider run and flushes the recorder, as
// Run does when the commit hook wakes it.
func (r *rig) sync(files map[string]string) {
	r.t.Helper()
	m := catalog.Mutation{Type: catalog.Full}
	for loc, content := range files {
		ents, problems := catalog.ParseYAML([]byte(content), catalog.Source{Location: loc})
		if len(problems) > 0 {
			r.t.Fatalf("%s: %v", loc, problems)
		}
		m.Entities = append(m.Entities, ents...)
	}
	if _, err := r.cat.Apply(context.Background(), "file:/srv/*.yaml", m); err != nil {
		r.t.Fatal(err)
	}
	r.rec.Flush(context.Background())
}

func (r *rig) versions(key string) []Entry {
	r.t.Helper()
	tl, err := r.hist.Timeline(context.Background(), key)
	if err != nil {
		r.t.Fatal(err)
	}
	return tl
}

func TestRecorderRecordsOnlyChangedDefinitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		files := map[string]string{
			"file:/srv/pets.yaml":  apiFile("pets", recPets),
			"file:/srv/other.yaml": apiFile("other", recPets),
		}
		r.sync(files)
		tl := r.versions("api:default/pets")
		if len(tl) != 1 || tl[0].InfoVersion != "1.0" || tl[0].Provider != "file:/srv/*.yaml" ||
			tl[0].Location != "file:/srv/pets.yaml" || tl[0].SpecType != "openapi" {
			t.Fatalf("after the first sync: %+v", tl)
		}

		r.sync(files) // unchanged
		if n := r.rec.Pending(); n != 0 {
			t.Errorf("unchanged sync noted %d APIs", n)
		}
		if tl := r.versions("api:default/pets"); len(tl) != 1 {
			t.Errorf("unchanged sync added a version: %+v", tl)
		}

		files["file:/srv/pets.yaml"] = apiFile("pets", recPetsV2) // the file is edited
		r.sync(files)
		tl = r.versions("api:default/pets")
		if len(tl) != 2 || tl[0].InfoVersion != "2.0" || tl[0].PrevID != tl[1].ID {
			t.Fatalf("after the edit: %+v", tl)
		}
		// The diff against the previous version was computed once, when
		// the version arrived.
		if tl[0].Changes == nil || tl[0].Changes.Breaking != 1 {
			t.Errorf("diff counts of the new version: %+v", tl[0].Changes)
		}
		rep, err := r.hist.Diff(context.Background(), tl[1].ID, tl[0].ID)
		if err != nil || len(rep.Groups) == 0 || rep.Groups[0].Method != "DELETE" {
			t.Errorf("cached diff: %+v, %v", rep, err)
		}
		if tl := r.versions("api:default/other"); len(tl) != 1 {
			t.Errorf("the unchanged API got %d versions", len(tl))
		}
	})
}

// TestRecorderAddsNothingOnAnUnchangedRestart: a new process (new
// recorder over the same database) reads the current versions once and
// notes nothing when the same definitions are ingested again.
func TestRecorderAddsNothingOnAnUnchangedRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		files := map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)}
		newRig(t, st).sync(files)
		r := newRig(t, st)
		m := catalog.Mutation{Type: catalog.Full}
		ents, _ := catalog.ParseYAML([]byte(files["file:/srv/pets.yaml"]), catalog.Source{Location: "file:/srv/pets.yaml"})
		m.Entities = ents
		if _, err := r.cat.Apply(context.Background(), "file:/srv/*.yaml", m); err != nil {
			t.Fatal(err)
		}
		if n := r.rec.Pending(); n != 0 {
			t.Errorf("restart noted %d APIs", n)
		}
		if tl := r.versions("api:default/pets"); len(tl) != 1 {
			t.Errorf("%d versions after the restart", len(tl))
		}
	})
}

// TestRecorderRecordsAnAPIFlushedBeforeItsMutationCommits: a bulk load
// prepares (and so notes) the next batch while the recorder flushes the
// last; an API noted but not stored yet must be recorded by a later flush,
// not forgotten (a 10k cold ingest lost 16 % of its versions so).
func TestRecorderRecordsAnAPIFlushedBeforeItsMutationCommits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		ents, _ := catalog.ParseYAML([]byte(apiFile("pets", recPets)), catalog.Source{Location: "file:/srv/pets.yaml"})
		p, err := r.cat.Prepare(ctx, "file:/srv/*.yaml", catalog.Mutation{Type: catalog.Full, Entities: ents})
		if err != nil {
			t.Fatal(err)
		}
		r.rec.Flush(ctx) // noted, not stored yet
		if _, err := r.cat.ApplyPrepared(ctx, p); err != nil {
			t.Fatal(err)
		}
		r.rec.Flush(ctx)
		if tl := r.versions("api:default/pets"); len(tl) != 1 {
			t.Fatalf("versions after the commit: %+v", tl)
		}
	})
}

// TestRunWaitsWhileHeld: Run records nothing while Hold says a load is
// under way, and records once it is released.
func TestRunWaitsWhileHeld(t *testing.T) {
	st := storetest.SQLite(t)
	hist, err := Open(context.Background(), st.DB(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var held atomic.Bool
	held.Store(true)
	rec := NewRecorder(hist, st, RecorderOptions{Quiet: 10 * time.Millisecond, MaxDelay: time.Hour, Hold: held.Load})
	rec.WatchWritesOf(st)
	cat := catalog.New(st, catalog.Options{Processors: []catalog.Processor{rec.Processor()}})
	cat.AddCommitHook(rec.CommitHook())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rec.Run(ctx)
	r := &rig{t: t, cat: cat, hist: hist, rec: rec}
	for _, def := range []string{recPets, recPetsV2} {
		ents, _ := catalog.ParseYAML([]byte(apiFile("pets", def)), catalog.Source{Location: "file:/srv/pets.yaml"})
		if _, err := cat.Apply(ctx, "file:/srv/*.yaml", catalog.Mutation{Type: catalog.Full, Entities: ents}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // twenty quiet periods
	// The first version is written with the entity; the change waits.
	if tl := r.versions("api:default/pets"); len(tl) != 1 || rec.Pending() != 1 {
		t.Fatalf("recorded while held: %+v, %d pending", tl, rec.Pending())
	}
	held.Store(false)
	for deadline := time.Now().Add(10 * time.Second); len(r.versions("api:default/pets")) < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not recorded after the hold was released")
		}
	}
}

// TestRecorderSkipsRejectedDefinitions: an entity that fails validation
// keeps its last good version in the store, so its new definition is not
// recorded.
func TestRecorderSkipsRejectedDefinitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)})
		bad := strings.Replace(apiFile("pets", recPetsV2), "owner: team-a", "owner: ''", 1)
		for range maxAttempts + 1 {
			r.sync(map[string]string{"file:/srv/pets.yaml": bad})
		}
		if tl := r.versions("api:default/pets"); len(tl) != 1 {
			t.Errorf("rejected definition recorded: %+v", tl)
		}
		if n := r.rec.Pending(); n != 0 {
			t.Errorf("rejected definition still pending after %d flushes", maxAttempts+1)
		}
	})
}

func TestRecorderDiffBetweenComputesOnDemandAndCaches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		for _, def := range []string{recPets, recPetsV2, strings.Replace(recPetsV2, `"2.0"`, `"3.0"`, 1)} {
			r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", def)})
		}
		tl := r.versions("api:default/pets")
		first, last := tl[2].ID, tl[0].ID
		if _, err := r.hist.Diff(ctx, first, last); err == nil {
			t.Fatal("first→last diff exists before anyone asked")
		}
		rep, err := r.rec.DiffBetween(ctx, first, last)
		if err != nil || rep.Counts.Breaking != 1 || rep.FromVersion != "1.0" || rep.ToVersion != "3.0" {
			t.Fatalf("on-demand diff: %+v, %v", rep, err)
		}
		if _, err := r.hist.Diff(ctx, first, last); err != nil {
			t.Errorf("on-demand diff not cached: %v", err)
		}
		other := newRig(t, st)
		other.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets), "file:/srv/x.yaml": apiFile("x", recPets)})
		x := other.versions("api:default/x")[0].ID
		if _, err := r.rec.DiffBetween(ctx, first, x); err == nil {
			t.Error("diffed versions of two different APIs")
		}
	})
}

// TestTwoReplicasRecordOneVersion: two processes sharing a database both
// ingest the same new definition; one version is stored, and the recorder
// that lost the race finds it current on a later flush.
func TestTwoReplicasRecordOneVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		a, b := newRig(t, st), newRig(t, st)
		files := map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)}
		done := make(chan struct{})
		go func() { defer close(done); a.sync(files) }()
		b.sync(files)
		<-done
		for range 2 { // a loser retries on the next flush
			a.rec.Flush(context.Background())
			b.rec.Flush(context.Background())
		}
		if tl := a.versions("api:default/pets"); len(tl) != 1 {
			t.Errorf("%d versions, want 1", len(tl))
		}
		if a.rec.Pending()+b.rec.Pending() != 0 {
			t.Errorf("still pending: %d + %d", a.rec.Pending(), b.rec.Pending())
		}
	})
}

// TestRecorderRemembersPairsThatCannotBeDiffed: a definition oasdiff
// cannot load fails the same way every time; the error is kept, not
// recomputed on each page view.
func TestRecorderRemembersPairsThatCannotBeDiffed(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	r := newRig(t, st)
	a, _, err := r.hist.Record(ctx, Version{EntityKey: "api:default/x", SpecType: "openapi"}, []byte(recPets))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := r.hist.Record(ctx, Version{EntityKey: "api:default/x", SpecType: "openapi"}, []byte("openapi: 3.0.3\npaths: ["))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.rec.DiffBetween(ctx, a.ID, b.ID)
	if catalog.ErrorCode(err) != catalog.EINVALID {
		t.Fatalf("broken definition: %v, want an EINVALID error", err)
	}
	if r.rec.failed(pair{a.ID, b.ID}) == nil {
		t.Fatal("failure not remembered")
	}
	if _, again := r.rec.DiffBetween(ctx, a.ID, b.ID); again == nil || again.Error() != err.Error() {
		t.Errorf("second call: %v", again)
	}
}

func TestFlushChunksBoundCount(t *testing.T) {
	r := NewRecorder(nil, nil, RecorderOptions{})
	for i := range 1100 {
		key := fmt.Sprintf("api:default/a%04d", i)
		r.pending[key] = map[string]*note{"h": {version: Version{EntityKey: key, Hash: "h"}}}
	}
	var sizes []int
	for _, c := range r.chunks() {
		sizes = append(sizes, len(c))
	}
	if fmt.Sprint(sizes) != "[500 500 100]" {
		t.Errorf("chunk sizes %v", sizes)
	}
}

// TestFirstVersionsAreWrittenWithTheirEntities: a load of new APIs (more
// than one INSERT's worth) records every first version in the catalog's
// transaction, with its source, leaving the recorder nothing to do.
func TestFirstVersionsAreWrittenWithTheirEntities(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		const n = 2*firstsPerStmt + 7
		m := catalog.Mutation{Type: catalog.Full}
		for i := range n {
			ents, _ := catalog.ParseYAML([]byte(apiFile(fmt.Sprintf("a%03d", i), recPets)), catalog.Source{Location: fmt.Sprintf("file:/srv/a%03d.yaml", i)})
			m.Entities = append(m.Entities, ents...)
		}
		ctx := catalog.WithRun(context.Background(), "run-1")
		if _, err := r.cat.Apply(ctx, "file:/srv/*.yaml", m); err != nil {
			t.Fatal(err)
		}
		if p := r.rec.Pending(); p != 0 {
			t.Errorf("%d APIs pending after the commit", p)
		}
		for i := range n {
			key := fmt.Sprintf("api:default/a%03d", i)
			tl := r.versions(key)
			if len(tl) != 1 || tl[0].InfoVersion != "1.0" || tl[0].RunID != "run-1" || tl[0].Provider != "file:/srv/*.yaml" ||
				tl[0].Location != fmt.Sprintf("file:/srv/a%03d.yaml", i) || tl[0].Hash != Hash([]byte(recPets)) {
				t.Fatalf("%s: %+v", key, tl)
			}
		}
	})
}

// TestFirstVersionsGivePostgreSQLStatistics: a new database's first
// versions leave PostgreSQL statistics on api_versions, without which
// every later batch of a cold load read the whole table to find which of
// its APIs had versions.
func TestFirstVersionsGivePostgreSQLStatistics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		if !r.hist.pg {
			t.Skip("SQLite's planner needs no statistics to probe the index")
		}
		files := map[string]string{}
		for i := range 30 {
			files[fmt.Sprintf("file:/srv/a%03d.yaml", i)] = apiFile(fmt.Sprintf("a%03d", i), recPets)
		}
		r.sync(files)
		var tuples float64
		if err := st.DB().QueryRow("SELECT reltuples FROM pg_class WHERE oid = 'api_versions'::regclass").Scan(&tuples); err != nil {
			t.Fatal(err)
		}
		if tuples != 30 {
			t.Errorf("PostgreSQL's statistics count %v rows in api_versions, want the 30 first versions", tuples)
		}
	})
}

// TestStatisticsThatCannotBeGatheredDoNotFailTheWrite: while another
// session holds a lock ANALYZE needs (a manual VACUUM would), the first
// versions are written anyway, after a wait of at most a second, and
// the write's own lock timeout is left as it was.
func TestStatisticsThatCannotBeGatheredDoNotFailTheWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		if !r.hist.pg {
			t.Skip("PostgreSQL only")
		}
		ctx := context.Background()
		holder, err := st.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		if _, err := holder.ExecContext(ctx, "BEGIN"); err != nil {
			t.Fatal(err)
		}
		if _, err := holder.ExecContext(ctx, "LOCK TABLE api_versions IN SHARE UPDATE EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		r.sync(map[string]string{"file:/srv/a.yaml": apiFile("a", recPets)})
		if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		if tl := r.versions("api:default/a"); len(tl) != 1 {
			t.Fatalf("versions of a: %+v", tl)
		}
		var tuples float64
		if err := st.DB().QueryRow("SELECT reltuples FROM pg_class WHERE oid = 'api_versions'::regclass").Scan(&tuples); err != nil {
			t.Fatal(err)
		}
		if tuples > 0 {
			t.Errorf("statistics were gathered under the other session's lock: reltuples %v", tuples)
		}
	})
}

// TestRecorderNullPathItemsAreADiffFailure: an edit that leaves an
// OpenAPI 3 definition's path items null is a version whose diff fails, as
// any definition that cannot be loaded is (the webhooks tell of it as
// diff-failed), not one whose operations were all removed.
func TestRecorderNullPathItemsAreADiffFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		r := newRig(t, st)
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)})
		nulls := "openapi: 3.0.3\ninfo: {title: Pets, version: \"2.0\"}\npaths:\n  /pets: null\n  /pets/{id}: null\n"
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", nulls)})
		tl := r.versions("api:default/pets")
		if len(tl) != 2 {
			t.Fatalf("versions: %+v", tl)
		}
		if tl[0].Changes != nil {
			t.Errorf("the null path items were diffed: %+v", *tl[0].Changes)
		}
		_, err := r.rec.DiffBetween(context.Background(), tl[1].ID, tl[0].ID)
		if catalog.ErrorCode(err) != catalog.EINVALID || !strings.Contains(err.Error(), `paths["/pets"], paths["/pets/{id}"] is null`) {
			t.Errorf("diff: %v, want an EINVALID error naming the null path items", err)
		}
	})
}

// TestAFailedDiffIsStoredWithWhy: a version whose diff fails says why on
// the timeline, read from the database (another replica, or after a
// restart, reads the same), so that a reader is not told its changes are
// still to come; a diff of the pair that later succeeds wins.
func TestAFailedDiffIsStoredWithWhy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := newRig(t, st)
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", recPets)})
		r.sync(map[string]string{"file:/srv/pets.yaml": apiFile("pets", "openapi: 3.0.3\ninfo: {title: Pets, version: \"2.0\"}\npaths:\n  /pets: null\n")})
		tl, err := NewStore(st.DB(), nil).Timeline(ctx, "api:default/pets")
		if err != nil || len(tl) != 2 {
			t.Fatalf("timeline: %+v, %v", tl, err)
		}
		if tl[0].Changes != nil || !strings.Contains(tl[0].DiffError, `paths["/pets"] is null`) || tl[1].DiffError != "" {
			t.Fatalf("failed diff: changes %v, error %q; first version's error %q", tl[0].Changes, tl[0].DiffError, tl[1].DiffError)
		}
		if err := r.hist.SaveDiff(ctx, tl[1].ID, tl[0].ID, &apidiff.Report{}); err != nil {
			t.Fatal(err)
		}
		if tl, _ := r.hist.Timeline(ctx, "api:default/pets"); tl[0].Changes == nil || tl[0].DiffError != "" {
			t.Errorf("after a diff that succeeded: changes %v, error %q", tl[0].Changes, tl[0].DiffError)
		}
	})
}
