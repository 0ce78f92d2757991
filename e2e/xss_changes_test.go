package e2e

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
)

// The change history's part of the XSS suite (issue 16): xss-changes is
// an OpenAPI API whose second version (written with the broken
// components) removes operations and renames their required parameters,
// so its diff shows payloads in the texts oasdiff writes, and the
// components consume it, so the diff lists consumers whose owners carry
// payloads. The xss-info APIs get a second version too, so their
// timelines show payload info.versions. The test then writes the first
// version of the APIs again (revertAPIs), so each API has a change to show
// even when its first read was not recorded.

// xssChangesOwner is xss-changes' owner, a ref whose name is a payload.
func xssChangesOwner() string { return refTo("group", packed("gw", xssRuns(fieldBudget, nil)[0])) }

// xssChangesOpenAPI is xss-changes' definition: operation i at
// /c/<token>, with a required query parameter named by payload i. The
// second version drops the even operations and renames the parameter of
// the odd ones (a new required parameter: breaking).
func xssChangesOpenAPI(second bool) m {
	paths := m{}
	for i := range xssPayloads {
		name := placed("cn", i)
		if second {
			if i%2 == 0 {
				continue
			}
			name = placed("cm", i)
		}
		paths["/c/"+token("cp", i)] = m{"get": m{
			"operationId": fmt.Sprintf("c%02d", i),
			"summary":     placed("cs", i),
			"parameters":  []m{{"name": name, "in": "query", "required": true, "schema": m{"type": "string"}}},
			"responses":   m{"200": m{"description": placed("cr", i)}},
		}}
	}
	version := "1"
	if second {
		version = "2"
	}
	return m{"openapi": "3.0.3", "info": m{"title": "XSS changes", "version": version}, "paths": paths}
}

// xssChanges is the change history's page type: the Changes tab of
// xss-changes (the diff both ways, with its consumers), its API page and
// /apis with their badges, the xss-info timelines; and the Atom feeds,
// which must parse as XML and carry the payloads as text.
func xssChanges(w *xssWatch) {
	w.t.Helper()
	changed := func(v versionsSeen) bool { return v.Count >= 2 && v.Counted }
	waitVersions(w.t, w.base, "xss-changes", "a diffed change", changed)
	runs := xssRuns(urlBudget, nil)
	for n := range runs {
		waitVersions(w.t, w.base, fmt.Sprintf("xss-info-%02d", n), "a diffed change", changed)
	}
	w.visit("/catalog/default/api/xss-changes/changes")
	if n, _ := w.page.Locator(`[data-testid="consumer"]`).Count(); n == 0 {
		Screenshot(w.t, w.page, "failed-changes-consumers")
		w.t.Fatalf("the breaking diff of xss-changes lists no consumers")
	}
	to, _ := w.page.Locator(`select[name="to"] option[selected]`).GetAttribute("value")
	from, _ := w.page.Locator(`select[name="from"] option[selected]`).GetAttribute("value")
	w.visit("/catalog/default/api/xss-changes/changes?" + url.Values{"from": {to}, "to": {from}}.Encode())
	w.visit("/catalog/default/api/xss-changes")
	w.visit("/apis?sort=changed")
	w.visit("/apis?changed=7&breaking=1")
	for n := range runs {
		w.visit(fmt.Sprintf("/catalog/default/api/xss-info-%02d/changes", n))
	}
	owner := xssChangesOwner()
	w.checkFeed("/apis/changes.atom", "")
	w.checkFeed("/apis/changes.atom?"+url.Values{"owner": {owner}}.Encode(), "api:default/xss-changes")
	w.checkFeed("/catalog/default/api/xss-info-00/changes.atom", packed("iv", runs[0]))
	// An owner that is no ref is refused with the error page, which names it.
	IgnoreConsoleErrors(w.page, "the server responded with a status of 400")
	for _, run := range xssRuns(urlBudget, nil) {
		w.visit("/apis/changes.atom?" + url.Values{"owner": {packed("fo", run)}}.Encode())
	}
}

// checkFeed reads an Atom feed: it must parse, and when want is set one
// entry's title must contain it exactly (the payloads escaped as text).
func (w *xssWatch) checkFeed(path, want string) {
	w.t.Helper()
	var f struct {
		Entries []struct {
			Title   string `xml:"title"`
			Summary string `xml:"summary"`
		} `xml:"entry"`
	}
	body := getText(w.base + path)
	if err := xml.Unmarshal([]byte(body), &f); err != nil {
		w.t.Errorf("%s is not XML: %v", path, err)
		return
	}
	if want == "" {
		return
	}
	for _, e := range f.Entries {
		if strings.Contains(e.Title, want) {
			return
		}
	}
	w.t.Errorf("%s: no entry title contains %q (%d entries)", path, want, len(f.Entries))
}

// revertAPIs writes the APIs' first version again once the second is
// recorded: a definition seen before becomes current again, with a diff.
func (c *xssCatalog) revertAPIs(base string) {
	c.t.Helper()
	waitVersions(c.t, base, "xss-changes", "the second version", func(v versionsSeen) bool { return v.InfoVersion == "2" })
	c.writeAPIs(false)
}
