package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"
)

// contrastScript measures, for every visible element with its own text,
// the WCAG contrast ratio of its colour against the backgrounds behind it
// (blended down to the page's canvas), and the page's width. It answers
// {overflow, width, failures: [{text, ratio, need, where}]}.
const contrastScript = `() => {
  const cx = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
  const parse = c => { if (!c || c === 'transparent') return {r:0,g:0,b:0,a:0};
    cx.clearRect(0, 0, 1, 1); cx.fillStyle = '#000'; cx.fillStyle = c; cx.fillRect(0, 0, 1, 1);
    const d = cx.getImageData(0, 0, 1, 1).data; return {r:d[0], g:d[1], b:d[2], a:d[3]/255}; };
  const lum = c => { const f = v => { v/=255; return v <= 0.03928 ? v/12.92 : Math.pow((v+0.055)/1.055, 2.4); };
    return 0.2126*f(c.r)+0.7152*f(c.g)+0.0722*f(c.b); };
  const blend = (top, bottom) => ({r: top.r*top.a+bottom.r*(1-top.a), g: top.g*top.a+bottom.g*(1-top.a), b: top.b*top.a+bottom.b*(1-top.a), a: 1});
  const canvas = () => { const b = parse(getComputedStyle(document.body).backgroundColor);
    const h = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (b && b.a > 0) return b; if (h && h.a > 0) return h;
    return matchMedia('(prefers-color-scheme: dark)').matches ? {r:18,g:18,b:18,a:1} : {r:255,g:255,b:255,a:1}; };
  const bgOf = el => { const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; } }
    let bg = canvas(); for (let i = layers.length-1; i >= 0; i--) bg = blend(layers[i], bg); return bg; };
  const failures = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(el);
    if (s.visibility !== 'visible' || s.display === 'none' || parseFloat(s.opacity) === 0) continue;
    const r = el.getBoundingClientRect(); if (r.width === 0 || r.height === 0) continue;
    if (el.closest('[aria-hidden="true"], .sr-only, option, script, style, template')) continue;
    const fg = parse(s.color); if (!fg) continue;
    const bg = bgOf(el); const col = blend(fg, bg);
    const l1 = lum(col), l2 = lum(bg); const ratio = (Math.max(l1,l2)+0.05)/(Math.min(l1,l2)+0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) failures.push({text: el.textContent.trim().slice(0, 40), ratio: Math.round(ratio*100)/100, need,
      where: el.tagName.toLowerCase() + (el.getAttribute('data-testid') ? '[data-testid=' + el.getAttribute('data-testid') + ']' : '') +
        (typeof el.className === 'string' && el.className ? '.' + el.className.split(/\s+/).slice(0, 5).join('.') : '')});
  }
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 && getComputedStyle(el).position !== 'fixed' && !el.closest('.overflow-x-auto, .overflow-auto, pre')) {
      if (!Array.from(el.children).some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
        wide.push(el.tagName.toLowerCase() + (el.getAttribute('data-testid') ? '[data-testid=' + el.getAttribute('data-testid') + ']' : '') + ' ' + Math.round(r.right) + 'px');
    }
  }
  return {overflow: document.documentElement.scrollWidth > window.innerWidth, width: document.documentElement.scrollWidth, failures, wide: wide.slice(0, 6)};
}`

type contrastResult struct {
	Overflow bool     `json:"overflow"`
	Width    int      `json:"width"`
	Wide     []string `json:"wide"`
	Failures []struct {
		Text  string  `json:"text"`
		Ratio float64 `json:"ratio"`
		Need  float64 `json:"need"`
		Where string  `json:"where"`
	} `json:"failures"`
}

// TestEveryPageReadableInBothSchemesAndAtPhoneWidth: on every page type of
// the demo portal, in light and dark mode, at 1280 px and 390 px, all
// visible text meets WCAG AA contrast against what is behind it, and at
// 390 px nothing makes the page scroll sideways (issue 14).
func TestEveryPageReadableInBothSchemesAndAtPhoneWidth(t *testing.T) {
	base := startDemoPortal(t)
	pages := []struct{ name, path string }{
		{"home", "/"},
		{"catalog", "/catalog"},
		{"apis", "/apis"},
		{"entity", "/catalog/default/api/petstore"},
		{"definition", "/catalog/default/api/petstore/definition"},
		{"operation", "/catalog/default/api/petstore/definition/op/createPet"},
		// The three-pane reference with an operation open: its right
		// column (try-it, samples) and the sidebar's current entry.
		{"definition deep link", "/catalog/default/api/petstore/definition?op=listPets#op-listPets"},
		{"definition filtered", "/catalog/default/api/petstore/definition?q=pet"},
		{"model", "/catalog/default/api/petstore/definition?model=Pet"},
		{"changes", "/catalog/default/api/petstore/changes"},
		{"search", "/search?q=pet"},
		{"providers", "/providers"},
		{"register", "/register"},
		{"group", "/catalog/default/group/payments-team"},
		{"not found", "/catalog/default/api/nope"},
	}
	for _, scheme := range []*playwright.ColorScheme{playwright.ColorSchemeLight, playwright.ColorSchemeDark} {
		for _, width := range []int{1280, 390} {
			mode := "light"
			if scheme == playwright.ColorSchemeDark {
				mode = "dark"
			}
			t.Run(fmt.Sprintf("%s-%d", mode, width), func(t *testing.T) {
				page := NewPage(t, playwright.BrowserNewContextOptions{
					Viewport:    &playwright.Size{Width: width, Height: 844},
					ColorScheme: scheme,
				})
				IgnoreConsoleErrors(page, "404")
				for _, p := range pages {
					if _, err := page.Goto(base + p.path); err != nil {
						t.Fatalf("%s: %v", p.name, err)
					}
					_ = page.WaitForLoadState(playwright.PageWaitForLoadStateOptions{State: playwright.LoadStateLoad})
					raw, err := page.Evaluate(contrastScript)
					if err != nil {
						t.Fatalf("%s: measure: %v", p.name, err)
					}
					var res contrastResult
					b, _ := json.Marshal(raw)
					_ = json.Unmarshal(b, &res)
					var bad []string
					for _, f := range res.Failures {
						bad = append(bad, fmt.Sprintf("%q %.2f:1 (needs %.1f) at %s", f.Text, f.Ratio, f.Need, f.Where))
					}
					if len(bad) > 0 || (width == 390 && res.Overflow) {
						Screenshot(t, page, fmt.Sprintf("contrast-%s-%s-%d", strings.ReplaceAll(p.name, " ", "-"), mode, width))
					}
					if len(bad) > 0 {
						t.Errorf("%s (%s): %d texts below WCAG AA contrast:\n  %s", p.name, p.path, len(bad), strings.Join(bad[:min(len(bad), 12)], "\n  "))
					}
					if width == 390 && res.Overflow {
						t.Errorf("%s (%s) is %d px wide at 390 px: it scrolls sideways; widest: %s", p.name, p.path, res.Width, strings.Join(res.Wide, ", "))
					}
				}
			})
		}
	}
}
