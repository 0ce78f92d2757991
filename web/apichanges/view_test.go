package apichanges

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/catalog/apidiff"
	"github.com/porticohq/portico/catalog/apihistory"
)

func TestDiffViewLinksOnlyOperationsOfTheCurrentDefinition(t *testing.T) {
	rep := &apidiff.Report{Groups: []apidiff.Group{
		{Method: "GET", Path: "/pets", OperationKey: "listPets", InRevision: true, Level: apidiff.Breaking,
			Changes: []apidiff.Change{{ID: "new-required-request-parameter", Level: apidiff.Breaking, Text: "added required parameter"}}},
		{Method: "DELETE", Path: "/pets/{id}", OperationKey: "deletePet", Level: apidiff.Breaking},
		{Section: "components/schemas", Level: apidiff.Info},
	}}
	link := func(key string) string { return "/def?op=" + key }
	v := diffView(rep, true, link, nil)
	if v.Groups[0].Link != "/def?op=listPets" || v.Groups[1].Link != "" || v.Groups[2].Link != "" {
		t.Errorf("links: %q %q %q", v.Groups[0].Link, v.Groups[1].Link, v.Groups[2].Link)
	}
	if v.Groups[0].Title != "GET /pets" || v.Groups[2].Title != "components/schemas" {
		t.Errorf("titles: %q %q", v.Groups[0].Title, v.Groups[2].Title)
	}
	if v := diffView(rep, false, link, nil); v.Groups[0].Link != "" {
		t.Errorf("linked to the current definition from an older pair: %q", v.Groups[0].Link)
	}
}

// TestTabEscapesDefinitionText: paths and change texts come from the
// definition, which is untrusted.
func TestTabEscapesDefinitionText(t *testing.T) {
	evil := `<script>alert(1)</script>`
	v := TabView{
		Versions: []VersionRow{{ID: 2, InfoVersion: evil, Source: evil, Label: evil, Current: true}, {ID: 1}},
		Diff: &DiffView{Title: evil, Groups: []GroupView{{Title: "GET /" + evil, Level: "breaking",
			Change: []ChangeView{{Level: "breaking", Text: evil, ID: evil}}}}},
	}
	var b bytes.Buffer
	if err := Tab(v).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n := doc.Find("script").Length(); n != 0 {
		t.Fatalf("%d script elements rendered from definition text", n)
	}
	if !strings.Contains(doc.Find(`[data-testid="change"]`).Text(), evil) {
		t.Error("change text not shown as text")
	}
}

// TestTimelineTellsAFailedDiffFromOneNotComputed: a version whose diff
// failed says its changes could not be computed (its link shows why); one
// whose diff is still to come, or the first, shows dashes.
func TestTimelineTellsAFailedDiffFromOneNotComputed(t *testing.T) {
	ref := catalog.Ref{Kind: "API", Namespace: "default", Name: "films"}
	tl := []apihistory.Entry{
		{Version: apihistory.Version{ID: 3, PrevID: 2}, DiffError: "line 2, column 1: Expected Name, found <EOF>"},
		{Version: apihistory.Version{ID: 2, PrevID: 1}},
		{Version: apihistory.Version{ID: 1}},
	}
	var b bytes.Buffer
	if err := Tab(TabView{Versions: timelineRows(ref, tl)}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	doc.Find(`[data-testid="version"]`).Each(func(_ int, s *goquery.Selection) {
		got = append(got, strings.TrimSpace(s.Find(`[data-testid="diff-failed"]`).Text()))
	})
	if want := []string{"could not be computed", "", ""}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rows say %q, want %q", got, want)
	}
}

// The versions JSON says why a version's changes are missing, as the
// Changes tab and the feed do; before, it could not be told from a diff
// not computed yet.
func TestVersionsJSONSaysWhyADiffFailed(t *testing.T) {
	failed := versionJSON(apihistory.Entry{Version: apihistory.Version{ID: 3, PrevID: 2}, DiffError: "line 2, column 1: Expected Name, found <EOF>"}, true)
	pending := versionJSON(apihistory.Entry{Version: apihistory.Version{ID: 2, PrevID: 1}}, false)
	for _, c := range []struct {
		v    VersionJSON
		want string
	}{
		{failed, `"diffError":"line 2, column 1: Expected Name, found \u003cEOF\u003e"`},
		{pending, ``},
	} {
		b, err := json.Marshal(c.v)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(b); c.want != "" && !strings.Contains(got, c.want) || c.want == "" && strings.Contains(got, "diffError") {
			t.Errorf("version %d: %s, want diffError %q", c.v.ID, got, c.want)
		}
	}
}
