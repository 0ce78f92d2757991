package apidocs

import (
	"fmt"
	"strings"
	"testing"

	av "github.com/porticohq/portico/views/apidocs"
)

func manyOperations(n int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.0\ninfo: {title: Big, version: '1'}\npaths:\n")
	for i := range n {
		fmt.Fprintf(&b, "  /things/%d:\n    get:\n      operationId: op%d\n      summary: Operation %d\n      responses: {'200': {description: ok}}\n", i, i, i)
	}
	return b.String()
}

// The amplification limit of issue 13, and issue 14's "page weight does
// not grow with the number of operations": a definition page lists one
// chunk of operations and the sidebar lists tags, not every operation, so
// the page of 6,000 operations is the size of the page of 600.
func TestDefinitionPageSizeDoesNotGrowWithOperations(t *testing.T) {
	r := newRig(t, Options{}, testAPI{name: "small", definition: manyOperations(600)}, testAPI{name: "huge", definition: manyOperations(6000)})
	base := "/catalog/default/api/huge/definition"
	small := r.do(t, "GET", "/catalog/default/api/small/definition", nil, false).Body.Len()
	huge := r.do(t, "GET", base, nil, false).Body.Len()
	if huge > small*11/10 {
		t.Errorf("page of 6,000 operations is %d bytes, of 600 is %d: it grows with the definition", huge, small)
	}
	d := r.doc(t, "GET", base, nil, false)
	if n := d.Find("details.op").Length(); n != av.OperationsPerChunk {
		t.Errorf("first response lists %d operations, want %d", n, av.OperationsPerChunk)
	}
	more := d.Find(`#op-list [data-testid="ops-more"]`)
	if get, _ := more.Attr("hx-get"); get != base+"/ops?from=30" || more.AttrOr("hx-trigger", "") != "revealed" {
		t.Errorf("the next operations load from %q on %q, want %s/ops?from=30 on revealed", get, more.AttrOr("hx-trigger", ""), base)
	}
	if href, _ := more.Find("a").Attr("href"); href != base+"?from=30" {
		t.Errorf("without JavaScript the next operations are at %q", href)
	}
	if n := d.Find(`[data-testid="reference-sidebar"] a[data-target]`).Length(); n > 0 {
		t.Errorf("the sidebar of a large definition lists %d operations before any tag is opened", n)
	}
	// The last chunk ends the list.
	last := r.doc(t, "GET", base+"/ops?from=5990", nil, true)
	if n := last.Find("details.op").Length(); n != 10 || last.Find(`[data-testid="ops-more"]`).Length() != 0 {
		t.Errorf("last chunk: %d operations, %d links onwards", n, last.Find(`[data-testid="ops-more"]`).Length())
	}
	// A deep link opens the chunk that holds the operation (paths sort as
	// text, so op5555 is not near the end), opened, with a way back to the
	// operations before it; the sidebar lists a bounded window around it.
	d = r.doc(t, "GET", base+"?op=op5555", nil, false)
	if d.Find(`details#op-op5555[open] [data-testid="operation-details"]`).Length() != 1 || d.Find("details.op").Length() > av.OperationsPerChunk {
		t.Error("?op= of an operation far down did not open the chunk holding it with it expanded")
	}
	if d.Find(`[data-testid="ops-earlier"]`).Length() != 1 {
		t.Error("no link to the operations before the deep-linked one")
	}
	if cur := d.Find(`[data-testid="reference-sidebar"] a[aria-current]`); cur.AttrOr("data-target", "") != "op-op5555" {
		t.Errorf("sidebar marks %q as current", cur.AttrOr("data-target", ""))
	}
	if n := d.Find(`[data-testid="reference-sidebar"] a[data-target]`).Length(); n > 500 {
		t.Errorf("the sidebar lists %d operations around the deep link", n)
	}
}

// The chunk loaded as the reader scrolls continues the list: no heading
// for the tag it continues and no link back to the operations above it;
// the chunk asked for by ?op= (a sidebar entry the page did not hold)
// comes with that link, and with the operation open.
func TestOperationChunksContinueTheList(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.0\ninfo: {title: Tagged, version: '1'}\npaths:\n")
	for i := range 100 {
		fmt.Fprintf(&b, "  /t/%03d:\n    get:\n      operationId: op%d\n      tags: [%s]\n      responses: {'200': {description: ok}}\n", i, i, map[bool]string{true: "first", false: "second"}[i < 50])
	}
	r := newRig(t, Options{}, testAPI{name: "tagged", definition: b.String()})
	base := "/catalog/default/api/tagged/definition"
	next := r.doc(t, "GET", base+"/ops?from=30", nil, true)
	if next.Find(`[data-testid="ops-earlier"]`).Length() != 0 {
		t.Error("an appended chunk links back to the operations above it")
	}
	if h := next.Find("[data-testid=tag-group] h3").First().Text(); h != "second" {
		t.Errorf("appended chunk's first heading is %q: it repeats the tag it continues", h)
	}
	if get := next.Find(`[data-testid="ops-more"]`).AttrOr("hx-get", ""); get != base+"/ops?from=60" {
		t.Errorf("next chunk from %q", get)
	}
	around := r.doc(t, "GET", base+"/ops?op=op75", nil, true)
	if around.Find(`[data-testid="ops-earlier"]`).AttrOr("hx-get", "") != base+"/ops?from=30&to=60" {
		t.Errorf("chunk around op75 links back with %q", around.Find(`[data-testid="ops-earlier"]`).AttrOr("hx-get", ""))
	}
	if around.Find(`details#op-op75[open] [data-testid="operation-details"]`).Length() != 1 {
		t.Error("the chunk asked for by ?op= does not hold the operation open")
	}
	earlier := r.doc(t, "GET", base+"/ops?from=30&to=60", nil, true)
	if n := earlier.Find("details.op").Length(); n != 30 || earlier.Find(`[data-testid="ops-more"]`).Length() != 0 {
		t.Errorf("earlier operations: %d, with a link onwards: %d", n, earlier.Find(`[data-testid="ops-more"]`).Length())
	}
}

// A small definition's page asks for all its operations ahead, so opening
// one needs no round trip; a large one's does not (its page would never
// settle).
func TestOnlySmallDefinitionsPrefetchEveryOperation(t *testing.T) {
	r := newRig(t, Options{}, testAPI{name: "small", definition: manyOperations(av.PrefetchAllOps)}, testAPI{name: "large", definition: manyOperations(av.PrefetchAllOps + 1)})
	for name, want := range map[string]bool{"small": true, "large": false} {
		d := r.doc(t, "GET", "/catalog/default/api/"+name+"/definition", nil, false)
		if got := d.Find(`#op-list[data-prefetch="all"]`).Length() == 1; got != want {
			t.Errorf("%s: prefetch all %v, want %v", name, got, want)
		}
	}
}
