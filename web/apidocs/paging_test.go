package apidocs

import (
	"fmt"
	"strings"
	"testing"
)

func manyOperations(n int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.0\ninfo: {title: Big, version: '1'}\npaths:\n")
	for i := range n {
		fmt.Fprintf(&b, "  /things/%d:\n    get:\n      operationId: op%d\n      summary: Operation %d\n      responses: {'200': {description: ok}}\n", i, i, i)
	}
	return b.String()
}

// The amplification limit of issue 13: a definition page lists at most one
// page of operations, so its size does not grow with the definition.
func TestDefinitionPageSizeDoesNotGrowWithOperations(t *testing.T) {
	r := newRig(t, Options{}, testAPI{name: "small", definition: manyOperations(600)}, testAPI{name: "huge", definition: manyOperations(6000)})
	page := func(name, query string) (int, string) {
		t.Helper()
		d := r.doc(t, "GET", "/catalog/default/api/"+name+"/definition"+query, nil, false)
		return d.Find("details.op").Length(), d.Find(`[data-testid="operations-pager"]`).Text()
	}
	small := r.do(t, "GET", "/catalog/default/api/small/definition", nil, false).Body.Len()
	huge := r.do(t, "GET", "/catalog/default/api/huge/definition", nil, false).Body.Len()
	if huge > small*11/10 {
		t.Errorf("page of 6,000 operations is %d bytes, of 600 is %d: it grows with the definition", huge, small)
	}
	if n, pager := page("huge", ""); n != 500 || !strings.Contains(pager, "Operations 1–500 of 6000") {
		t.Errorf("first page: %d operations, pager %q", n, pager)
	}
	if n, pager := page("huge", "?page=12"); n != 500 || !strings.Contains(pager, "5501–6000") {
		t.Errorf("last page: %d operations, pager %q", n, pager)
	}
	// A deep link opens the page that holds the operation (paths sort as
	// text, so op5555 is not on page 12).
	d := r.doc(t, "GET", "/catalog/default/api/huge/definition?op=op5555", nil, false)
	if d.Find(`details#op-op5555[open]`).Length() != 1 || d.Find("details.op").Length() != 500 {
		t.Error("?op= of an operation on a later page did not open that page with it expanded")
	}
}
