package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

// naiveEntity is a generated entity as the naive evaluation sees it: each
// filterable field's lower-cased values.
type naiveEntity struct {
	name   string
	fields map[string][]string
}

func (e naiveEntity) matches(set catalog.FilterSet) bool {
	for _, c := range set {
		vals, ok := e.fields[strings.ToLower(c.Key)]
		if !ok {
			return false
		}
		if len(c.Values) == 0 {
			continue
		}
		hit := false
		for _, v := range c.Values {
			hit = hit || slices.Contains(vals, strings.ToLower(v))
		}
		if !hit {
			return false
		}
	}
	return true
}

// plannedCatalog stores n entities of three kinds whose owners, lifecycles,
// tags and systems are spread unevenly, so that each condition's share
// differs and the driver changes from filter to filter.
func plannedCatalog(t *testing.T, s *Store, n int) []naiveEntity {
	t.Helper()
	var es []catalog.ProcessedEntity
	var model []naiveEntity
	kinds := []string{"API", "API", "API", "Component", "Group"}
	for i := range n {
		kind := kinds[i%len(kinds)]
		name := fmt.Sprintf("e-%03d", i)
		owner := fmt.Sprintf("team-%d", i%7)
		lifecycle := []string{"production", "Experimental"}[i%2]
		tagList := []string{"rest", fmt.Sprintf("Tag-%d", i%4)}
		opts := []entityOpt{ownedBy(owner), tags(tagList...), spec("lifecycle", lifecycle)}
		f := map[string][]string{
			"kind":               {strings.ToLower(kind)},
			"metadata.name":      {name},
			"metadata.namespace": {"default"},
			"spec.owner":         {owner},
			"spec.lifecycle":     {strings.ToLower(lifecycle)},
			"metadata.tags":      {"rest", strings.ToLower(tagList[1])},
			"relations.ownedby":  {"group:default/" + owner},
			// Backstage also indexes each array item as a key.
			"metadata.tags.rest":                           {"true"},
			"metadata.tags." + strings.ToLower(tagList[1]): {"true"},
		}
		if i%3 == 0 {
			system := fmt.Sprintf("system-%d", i%11)
			opts = append(opts, spec("system", system))
			f["spec.system"] = []string{system}
		}
		es = append(es, testEntity(kind, name, opts...))
		model = append(model, naiveEntity{name: name, fields: f})
	}
	apply(t, s, "p", catalog.Full, es...)
	return model
}

// allPages walks q's pages by cursor and returns the names in order and
// the first page's total. It also walks back from the last page by
// PrevCursor and checks that the pages before it come back the same.
func allPages(t *testing.T, s *Store, q catalog.Query) ([]string, int) {
	t.Helper()
	ctx := context.Background()
	var got []string
	total := -1
	for range 1000 {
		page, err := s.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if total < 0 {
			total = page.TotalItems
		}
		got = append(got, names(page.Items)...)
		if page.NextCursor == "" {
			var back []string
			for prev := page.PrevCursor; prev != ""; {
				p, err := s.Query(ctx, catalog.Query{Cursor: prev, Limit: q.Limit})
				if err != nil {
					t.Fatal(err)
				}
				back, prev = append(names(p.Items), back...), p.PrevCursor
			}
			if want := got[:len(got)-len(page.Items)]; !slices.Equal(back, want) && len(want) > 0 {
				t.Errorf("backwards from the last page: %v, want %v", back, want)
			}
			return got, total
		}
		q = catalog.Query{Cursor: page.NextCursor, Limit: q.Limit}
	}
	t.Fatal("no last page")
	return nil, 0
}

// withoutPlanning runs fn with every filter written as whereBuilder.filter
// writes it, as before planning existed.
func withoutPlanning(fn func()) {
	saved := estimateCaps
	estimateCaps = [2]int{0, 0}
	defer func() { estimateCaps = saved }()
	fn()
}

func TestPlannedFilterMatchesNaiveEvaluation(t *testing.T) {
	fixed := []catalog.FilterSet{
		{cond("kind", "api"), cond("spec.owner", "team-3"), cond("spec.lifecycle", "experimental")},
		{cond("kind", "api", "component"), cond("spec.owner", "TEAM-1", "team-2")},
		{cond("kind", "group"), cond("metadata.tags", "tag-1")},
		{cond("metadata.tags", "rest"), cond("spec.system")},
		{cond("spec.system", "system-4"), cond("relations.ownedby", "group:default/team-4")},
		{cond("relations.ownedBy"), cond("metadata.name", "e-010", "e-011", "e-040")},
		{cond("metadata.namespace", "default"), cond("spec.owner", "team-0")},
		{cond("kind"), cond("spec.lifecycle", "production"), cond("metadata.tags.tag-2")},
		{cond("kind", "api"), cond("spec.owner", "nobody")},
	}
	keys := []struct {
		key  string
		vals []string
	}{
		{"kind", []string{"api", "component", "group"}},
		{"spec.owner", []string{"team-0", "team-1", "team-5", "team-6"}},
		{"spec.lifecycle", []string{"production", "experimental"}},
		{"metadata.tags", []string{"rest", "tag-0", "tag-3"}},
		{"spec.system", []string{"system-0", "system-2", "system-7"}},
		{"relations.ownedby", []string{"group:default/team-2", "group:default/team-6"}},
		{"metadata.name", []string{"e-003", "e-004", "e-033"}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	sets := fixed
	for range 40 {
		var set catalog.FilterSet
		for _, k := range r.Perm(len(keys))[:2+r.IntN(3)] {
			var vals []string
			for range r.IntN(3) {
				vals = append(vals, keys[k].vals[r.IntN(len(keys[k].vals))])
			}
			set = append(set, cond(keys[k].key, vals...))
		}
		sets = append(sets, set)
	}
	orders := [][]catalog.Order{
		nil,
		{{Field: "metadata.name", Desc: true}},
		{{Field: "spec.system"}, {Field: "spec.lifecycle", Desc: true}},
	}
	eachDialect(t, func(t *testing.T, s *Store) {
		model := plannedCatalog(t, s, 120)
		for i, set := range sets {
			var want []string
			for _, e := range model {
				if e.matches(set) {
					want = append(want, e.name)
				}
			}
			for j, order := range orders {
				t.Run(fmt.Sprintf("%d/%d", i, j), func(t *testing.T) {
					q := catalog.Query{Filter: catalog.Filter{set}, Order: order, Limit: 7}
					got, total := allPages(t, s, q)
					if diff := cmp.Diff(want, slices.Sorted(slices.Values(got))); diff != "" {
						t.Errorf("filter %v (-naive +planned):\n%s", set, diff)
					}
					if total != len(want) {
						t.Errorf("filter %v: TotalItems = %d, want %d", set, total, len(want))
					}
					var before []string
					withoutPlanning(func() { before, _ = allPages(t, s, q) })
					if diff := cmp.Diff(before, got); diff != "" {
						t.Errorf("filter %v order %v (-unplanned +planned):\n%s", set, order, diff)
					}
					s.counts.reset()
					offset, err := s.Query(context.Background(), catalog.Query{Filter: q.Filter, Order: order, Limit: 5, Offset: 3})
					if err != nil {
						t.Fatal(err)
					}
					if wantOff := before[min(3, len(before)):min(8, len(before))]; !slices.Equal(names(offset.Items), wantOff) {
						t.Errorf("filter %v offset 3 limit 5: %v, want %v", set, names(offset.Items), wantOff)
					}
					if offset.TotalItems != len(want) {
						t.Errorf("filter %v offset 3: TotalItems = %d, want %d", set, offset.TotalItems, len(want))
					}
				})
			}
		}
	})
}

// explainPlan is the database's plan for q, one line per step: SQLite's
// EXPLAIN QUERY PLAN details, or PostgreSQL's EXPLAIN text.
func explainPlan(t *testing.T, s *Store, q string, args []any) string {
	t.Helper()
	pg := s.dialect.name() == Postgres
	explain := "EXPLAIN QUERY PLAN "
	if pg {
		explain = "EXPLAIN "
	}
	rows, err := s.sql.Query(explain+s.dialect.rebind(q), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var line string
		dest := []any{&id, &parent, &unused, &line}
		if pg {
			dest = []any{&line}
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

func TestSelectiveConditionDrivesTheQuery(t *testing.T) {
	s := openSQLiteT(t)
	plannedCatalog(t, s, 300)
	ctx := context.Background()
	// One owner is a seventh of the catalog, a lifecycle half, kind=api
	// three fifths: the owner's index entries must drive, the rest be
	// checked on each of its entities.
	f := catalog.Filter{{cond("kind", "api"), cond("spec.lifecycle", "production"), cond("spec.owner", "team-3")}}
	w := &whereBuilder{dl: s.dialect}
	if driven, err := s.planFilter(ctx, w, f); err != nil || !driven {
		t.Fatalf("planFilter = %v, %v; want driven", driven, err)
	}
	page, args := pageQuery(w, nil, nil, false, 20, 5, true)
	for name, q := range map[string]struct {
		sql  string
		args []any
	}{
		"count": {s.countOf(w).sql, w.args},
		"page":  {page, args},
	} {
		plan := explainPlan(t, s, q.sql, q.args)
		// Each match is read from the narrow entities_page, not the
		// table, whose pages do not stay in a reader's cache.
		if !strings.Contains(plan, "SEARCH e USING COVERING INDEX entities_page (id=?)") ||
			strings.Contains(plan, "entities_kind") || strings.Contains(plan, "SCAN e") {
			t.Errorf("%s: the owner condition does not drive:\n%s\n%s", name, q.sql, plan)
		}
		// The lifecycle is a probe by entity (a correlated subquery or, in
		// newer SQLite, an EXISTS join), never a list of its own.
		if !strings.Contains(plan, "LIST SUBQUERY") || strings.Count(plan, "(key=? AND value=?)") != 1 ||
			!strings.Contains(plan, "entity_id=?") {
			t.Errorf("%s: want one list (the owner's) and probes of the lifecycle by entity:\n%s", name, plan)
		}
	}
}

// A driven page reads entities_page only when nothing it tests or sorts by
// needs a column the index lacks; otherwise SQLite would be made to look
// every match up in both.
func TestOnlyANarrowPageReadsTheNarrowIndex(t *testing.T) {
	s := openSQLiteT(t)
	plannedCatalog(t, s, 300)
	f := catalog.Filter{{cond("kind", "api"), cond("spec.owner", "team-3")}}
	pred, err := catalog.ParsePredicate([]byte(`{"kind": "api"}`))
	if err != nil {
		t.Fatal(err)
	}
	// More uids than the owner has entities, so that the owner drives and
	// the uids are a probe of a column entities_page lacks.
	uids := queryStrings(t, s, "SELECT uid FROM entities LIMIT 100")
	for _, c := range []struct {
		name   string
		f      catalog.Filter
		text   string
		pred   *catalog.Predicate
		order  []catalog.Order
		narrow bool
	}{
		{"filter", f, "", nil, nil, true},
		{"ordered by name", f, "", nil, []catalog.Order{{Field: "metadata.name"}}, true},
		{"ordered by a search field", f, "", nil, []catalog.Order{{Field: "spec.type"}}, true},
		{"ordered by uid", f, "", nil, []catalog.Order{{Field: "metadata.uid"}}, false},
		{"uid probed", catalog.Filter{{cond("spec.owner", "team-3"), cond("metadata.uid", uids...)}}, "", nil, nil, false},
		{"with text", f, "orders", nil, nil, false},
		{"with a predicate", f, "", pred, nil, false},
	} {
		w := &whereBuilder{dl: s.dialect}
		if _, err := s.planFilter(context.Background(), w, c.f); err != nil {
			t.Fatal(err)
		}
		fields := make([]sortField, len(c.order))
		for i, o := range c.order {
			fields[i] = sortFieldFor(o)
		}
		w.stayNarrow(c.text, c.pred, fields)
		if got := strings.Contains(w.from(), "entities_page"); got != c.narrow {
			t.Errorf("%s: reads entities_page = %v, want %v (%s)", c.name, got, c.narrow, w.from())
		}
	}
}

func TestBroadFilterIsNotRewritten(t *testing.T) {
	s := openSQLiteT(t)
	plannedCatalog(t, s, 60)
	saved := estimateCaps
	estimateCaps = [2]int{4, 8}
	defer func() { estimateCaps = saved }()
	f := catalog.Filter{{cond("kind", "api"), cond("spec.lifecycle", "production")}}
	planned, plain := &whereBuilder{dl: s.dialect}, &whereBuilder{dl: s.dialect}
	if driven, err := s.planFilter(context.Background(), planned, f); err != nil || driven {
		t.Fatalf("planFilter = %v, %v; want not driven", driven, err)
	}
	plain.filter(f)
	if planned.clause() != plain.clause() {
		t.Errorf("every condition matches 8 or more entities, yet the filter was rewritten:\n%s", planned.clause())
	}
}

// A condition no entity meets ends the estimates: the others used to be
// counted with LIMIT 0 and cached as matching exactly nothing, so a later
// filter let kind=api (three fifths of the catalog) drive.
func TestAnEmptyConditionDoesNotCacheTheOthersAsEmpty(t *testing.T) {
	s := openSQLiteT(t)
	plannedCatalog(t, s, 300)
	ctx := context.Background()
	w := &whereBuilder{dl: s.dialect}
	if _, err := s.planFilter(ctx, w, catalog.Filter{{cond("spec.owner", "nobody"), cond("kind", "api")}}); err != nil {
		t.Fatal(err)
	}
	terms := []term{newTerm(cond("kind", "api")), newTerm(cond("spec.owner", "team-3"))}
	i, err := s.driver(ctx, terms)
	if err != nil || i != 1 {
		t.Errorf("driver after an empty condition = %d, %v; want the owner (1)", i, err)
	}
}
