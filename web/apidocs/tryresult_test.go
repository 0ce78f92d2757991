package apidocs

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	av "github.com/porticohq/portico/views/apidocs"
)

func TestHighlightJSONClassesTokensWithoutChangingText(t *testing.T) {
	in := "{\n  \"key\": \"va\\\"l<script>\",\n  \"n\": -1.5e+3,\n  \"ok\": true,\n  \"none\": null,\n  \"list\": [\n    false,\n    {}\n  ]\n}"
	toks := highlightJSON(in)
	var joined strings.Builder
	classes := map[string][]string{}
	for _, tk := range toks {
		joined.WriteString(tk.Text)
		classes[tk.Class] = append(classes[tk.Class], tk.Text)
	}
	if joined.String() != in {
		t.Fatalf("tokens joined %q, want %q", joined.String(), in)
	}
	for class, want := range map[string]string{
		"tok-key": `"key" "n" "ok" "none" "list"`, "tok-str": `"va\"l<script>"`, "tok-num": "-1.5e+3", "tok-lit": "true null false",
	} {
		if got := strings.Join(classes[class], " "); got != want {
			t.Errorf("%s: %q, want %q", class, got, want)
		}
	}
}

// panelUpstream answers JSON with markup in it, a binary image and a body
// larger than the panel shows.
func panelUpstream(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Trace", "<b>t</b>")
			fmt.Fprint(w, `{"html":"<img src=x onerror=\"window.__xss=1\">","n":1}`)
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
		case "/big":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, strings.Repeat("é", 200<<10)) // 400 KiB
		}
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return srv, port
}

func panelSpec(server string) string {
	return `{"openapi":"3.0.3","info":{"title":"Panel","version":"1"},"servers":[{"url":"` + server + `"}],"paths":{
"/json":{"get":{"operationId":"json","responses":{"200":{"description":"ok"}}}},
"/png":{"get":{"operationId":"png","responses":{"200":{"description":"ok"}}}},
"/big":{"get":{"operationId":"big","responses":{"200":{"description":"ok"}}}}}}`
}

func TestResponsePanelHighlightsJSONAsEscapedText(t *testing.T) {
	up, port := panelUpstream(t)
	r := newRig(t, Options{Policy: enabled("127.0.0.1:" + port)}, testAPI{name: "panel", definition: panelSpec(up.URL)})
	d := r.doc(t, "POST", "/catalog/default/api/panel/definition/op/json/try", url.Values{"server": {"0"}}, true)
	body := d.Find("[data-testid=try-body-out]")
	if body.Find("img, b").Length() != 0 || d.Find("[data-testid=try-headers] b").Length() != 0 {
		t.Fatal("markup from the upstream became elements")
	}
	if got := body.Find("span.tok-key").First().Text(); got != `"html"` {
		t.Errorf("first key %q", got)
	}
	if got := body.Find("span.tok-str").First().Text(); got != `"<img src=x onerror=\"window.__xss=1\">"` {
		t.Errorf("string token %q", got)
	}
	if id, _ := body.Attr("id"); id == "" || d.Find("[data-copy-target='"+id+"']").Length() != 1 {
		t.Error("no Copy button for the body")
	}
	if d.Find("[data-testid=try-size]").Text() != "55 B" || d.Find("[data-testid=try-time]").Text() == "" {
		t.Errorf("size %q time %q", d.Find("[data-testid=try-size]").Text(), d.Find("[data-testid=try-time]").Text())
	}
	if d.Find("[data-testid=try-download]").Length() != 0 {
		t.Error("a small JSON body is offered as a download")
	}
}

func TestResponsePanelOffersBinaryAndLargeBodiesAsDownloads(t *testing.T) {
	up, port := panelUpstream(t)
	r := newRig(t, Options{Policy: enabled("127.0.0.1:" + port)}, testAPI{name: "panel", definition: panelSpec(up.URL)})
	png := r.doc(t, "POST", "/catalog/default/api/panel/definition/op/png/try", url.Values{"server": {"0"}}, true)
	if png.Find("[data-testid=try-binary]").Length() != 1 || png.Find("[data-testid=try-body-out]").Length() != 0 {
		t.Error("a binary body is shown as text")
	}
	href, _ := png.Find("[data-testid=try-download]").Attr("href")
	data, ok := strings.CutPrefix(href, "data:application/octet-stream;base64,")
	if !ok {
		t.Fatalf("download %q is not an octet-stream data URL", truncate(href, 80))
	}
	if b, _ := base64.StdEncoding.DecodeString(data); string(b) != "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" {
		t.Errorf("download holds %q", b)
	}
	if name, _ := png.Find("[data-testid=try-download]").Attr("download"); name != "response.bin" {
		t.Errorf("download name %q", name)
	}
	big := r.doc(t, "POST", "/catalog/default/api/panel/definition/op/big/try", url.Values{"server": {"0"}}, true)
	shown := big.Find("[data-testid=try-body-out]").Text()
	if big.Find("[data-testid=try-shown-part]").Length() != 1 || len(shown) > shownBytes+200 || !strings.HasPrefix(shown, "éé") {
		t.Errorf("large body: shown %d bytes", len(shown))
	}
	if href, _ := big.Find("[data-testid=try-download]").Attr("href"); !strings.HasPrefix(href, "data:application/octet-stream;base64,") {
		t.Error("a large body has no download")
	}
}

func TestResultViewNeverTypesADownloadAsTheUpstreamSays(t *testing.T) {
	v := resultView("k", Result{Status: 200, ContentType: "text/html", Raw: []byte("<script>x</script>\x00"), Body: "x"})
	if !v.Binary || !strings.HasPrefix(v.Download, "data:application/octet-stream;base64,") {
		t.Errorf("%+v", v)
	}
	var _ av.ResultView = v
}
