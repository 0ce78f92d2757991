package e2e

import (
	"fmt"
	"regexp"
	"strings"
)

// The XSS corpus (issue 13, "Keep them in CI"): attack strings that the
// suite places in every field an author, a definition, a served catalog or
// a visitor's URL controls. Each placement starts with a token that names
// the place and the payload (token), so the rendered DOM tells which
// placements a page showed; the attack itself tries to run
// `window.__xss=1`, open a dialog, make a request to an /evil… path, or
// leave markup behind that xssScan finds. None may succeed.

// xssPayloads go where text is shown: HTML text, attribute values,
// Markdown, JSON and YAML shown raw, URLs a page builds from them.
var xssPayloads = []string{
	`<script>__xss=1</script>`,
	`<img src=/evil-img onerror=__xss=1>`,
	`<svg onload=__xss=1>`,
	`<svg><script>__xss=1</script></svg>`,
	`"><img src=/evil-img onerror=__xss=1>`,
	`'><svg onload=__xss=1>`,
	`" autofocus onfocus="__xss=1" x="`,
	`' autofocus onfocus='__xss=1' x='`,
	"`;__xss=1;// ` onmouseover=__xss=1 x=`",
	`</title><script>__xss=1</script>`,
	`</textarea><script>__xss=1</script>`,
	`</script><script>__xss=1</script>`,
	`</pre></code><img src=/evil-img onerror=__xss=1>`,
	`<iframe src="javascript:parent.__xss=1"></iframe>`,
	`<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>`,
	`<details open ontoggle=__xss=1>`,
	`<input autofocus onfocus=alert(1)>`,
	`<body onload=alert(1)>`,
	`<a id=__xss name=__xss href="javascript:__xss=1">clobber</a>`,
	`<div hx-get="/evil-hx" hx-trigger="load">hx</div>`,
	`<div data-hx-get="/evil-hx" data-hx-trigger="load">data-hx</div>`,
	`<div hx-on::load="__xss=1" hx-on:htmx:load="__xss=1">hx-on</div>`,
	`<form hx-post="/evil-hx" hx-trigger="load" hx-vals='js:{a:__xss=1}'></form>`,
	`{{constructor.constructor('__xss=1')()}} {{7*7}}`,
	"${__xss=1} #{__xss=1} <%= __xss=1 %>",
	`<style>@import "/evil-css";</style>`,
	`<div style="background:url(/evil-css)">css</div>`,
	`<link rel=stylesheet href=/evil-css>`,
	`<base href="//evil.example/">`,
	`<meta http-equiv="refresh" content="0;url=javascript:__xss=1">`,
	`<object data="javascript:__xss=1"></object><embed src="/evil-embed">`,
	`<math><mtext><table><mglyph><style><img src=/evil-img onerror=__xss=1>`,
	`<noscript><p title="</noscript><img src=/evil-img onerror=__xss=1>">`,
	`<!--<img src="--><img src=/evil-img onerror=__xss=1>">`,
	`<template><img src=/evil-img onerror=__xss=1></template><xss-el data-xss=1>`,
	`＜script＞__xss=1＜/script＞ ＜img src=/evil-img onerror=__xss=1＞`,
	"\u202e<img src=/evil-img onerror=__xss=1>\u202d",
	"<scr\u200bipt>__xss=1</scr\u200bipt> \u2028\u2029';__xss=1;//",
	`&lt;script&gt;__xss=1&lt;/script&gt; &#60;img src=/evil-img onerror=__xss=1&#62;`,
	`\";__xss=1;// '-alert(__xss=1)-' "},"__proto__":{"x":1},"y":{"`,
	`[md](javascript:__xss=1) [md2](JaVaScRiPt:alert(1)) <javascript:__xss=1>`,
	`![img](/evil-img) [ref][r] <a href="java&#x09;script:__xss=1">tab</a>` + "\n\n[r]: javascript:__xss=1",
	`<video><source onerror=__xss=1></video><svg><animate onbegin=__xss=1 attributeName=x dur=1s>`,
	`<svg><a xlink:href="javascript:__xss=1"><text x=20 y=20>xlink</text></a></svg>`,
	`<<script>__xss=1//<</script> <img src="x` + "`" + `onerror=__xss=1">`,
	`<form action="javascript:__xss=1"><button formaction="javascript:__xss=1">go</button></form>`,
}

// xssURLPayloads go where a URL is expected (links, server URLs, external
// docs, URL-valued annotations); %s is the token. Each is an absolute URL
// as a catalog validator sees it, so the entity is kept and its link is
// rendered, or shown as text when its scheme is not allowed.
var xssURLPayloads = []string{
	`javascript:__xss=1//%s`,
	`JaVaScRiPt:alert(1)//%s`,
	"java\tscript:__xss=1//%s",
	`javascript:/*%s*/fetch('/evil-js')`,
	`data:text/html,<script>parent.__xss=1</script>%s`,
	`data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3M9MTwvc2NyaXB0Pg==#%s`,
	`vbscript:msgbox(1)//%s`,
	`https://example.com/%s"><img src=/evil-img onerror=__xss=1>`,
	`https://example.com/%s' autofocus onfocus='__xss=1`,
	`https://example.com/%s?q=<script>__xss=1</script>#"><svg onload=__xss=1>`,
	`mailto:%s@example.com?body=<script>__xss=1</script>`,
	`ｊavascript:__xss=1//%s`,
}

// tokenPattern matches every token; see token.
var tokenPattern = regexp.MustCompile(`xq[a-z]{2}[0-9]{2}z`)

// token names payload i in place (two lower-case letters): lower-case
// letters and digits only, so it survives escaping, URL encoding, slugs
// and lower-casing, and is found again in any DOM that shows it.
func token(place string, i int) string {
	if len(place) != 2 {
		panic("place codes are two letters: " + place)
	}
	return fmt.Sprintf("xq%s%02dz", place, i)
}

// placed is payload i for place: its token, then the attack.
func placed(place string, i int) string {
	return token(place, i) + " " + xssPayloads[i%len(xssPayloads)]
}

// placedURL is URL payload i for place.
func placedURL(place string, i int) string {
	return fmt.Sprintf(xssURLPayloads[i%len(xssURLPayloads)], token(place, i))
}

// xssRuns splits the payloads that keep accepts (nil: all) into runs
// whose placed texts, joined by spaces, fit in budget bytes, so one field
// or one URL parameter carries a whole run: the suite renders every
// payload in every place with few page loads.
func xssRuns(budget int, keep func(int) bool) [][]int {
	var runs [][]int
	var run []int
	size := 0
	for i := range xssPayloads {
		if keep != nil && !keep(i) {
			continue
		}
		n := len(placed("xx", i)) + 1
		if len(run) > 0 && size+n > budget {
			runs = append(runs, run)
			run, size = nil, 0
		}
		run = append(run, i)
		size += n
	}
	if len(run) > 0 {
		runs = append(runs, run)
	}
	return runs
}

// packed is the run's payloads for place, joined by spaces.
func packed(place string, run []int) string {
	parts := make([]string, len(run))
	for j, i := range run {
		parts[j] = placed(place, i)
	}
	return strings.Join(parts, " ")
}

// fieldBudget keeps a packed field under the 200 characters the store's
// field index keeps, so facets show it.
const fieldBudget = 190

// urlBudget keeps a packed run under the portal's 2048-byte limit on a
// URL to register; the suite uses it wherever no tighter limit applies.
const urlBudget = 1800

// urlScheme is what a link's URL must start with to pass validation.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// linkURL is placedURL among the URL payloads an entity's link or
// annotation may hold and stay valid (the others are refused, and are
// placed in the invalid entities instead).
func linkURL(place string, i int) string {
	var valid []string
	for _, p := range xssURLPayloads {
		if urlScheme.MatchString(p) {
			valid = append(valid, p)
		}
	}
	return fmt.Sprintf(valid[i%len(valid)], token(place, i))
}

// pathSafe reports whether payload i can be part of a file name in a file
// location's target: no path separator and no glob character.
func pathSafe(i int) bool {
	return !strings.ContainsAny(xssPayloads[i%len(xssPayloads)], "/\\*?[{\x00")
}
