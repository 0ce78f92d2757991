package apidocs

import (
	"strings"
	"testing"
)

func TestRenderMarkdownKeepsTextAndDropsActiveContent(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // must appear
		forbidden []string
	}{
		{"markdown", "Take **payments** and [docs](https://example.com/docs).", `<strong>payments</strong>`, nil},
		{"link gets nofollow", "[docs](https://example.com/docs)", `rel="nofollow noopener"`, nil},
		{"script tag", "hi <script>alert(1)</script>", "hi", []string{"<script"}},
		{"javascript link", "[x](javascript:alert(1))", "x", []string{"javascript:"}},
		{"raw anchor with hx", `<a href="/x" hx-get="/evil" data-hx-post="/evil">a</a>`, "", []string{"hx-get", "data-hx-post", "/evil"}},
		{"event handler", `<img src=x onerror=alert(1)>`, "", []string{"onerror", "<img"}},
		{"svg", `<svg onload="alert(1)"><script>alert(2)</script></svg>`, "", []string{"<svg", "onload", "<script"}},
		{"markdown image", "![i](https://tracker.example/p.png)", "", []string{"<img", "tracker.example"}},
		{"iframe", `<iframe src="https://evil.example"></iframe>`, "", []string{"<iframe"}},
		{"id clobbering", `<p id="op-listPets">x</p>`, "", []string{`id="op-listPets"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RenderMarkdown(tt.src)
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("RenderMarkdown(%q) = %q, want it to contain %q", tt.src, got, tt.want)
			}
			for _, f := range tt.forbidden {
				if strings.Contains(got, f) {
					t.Errorf("RenderMarkdown(%q) = %q, contains %q", tt.src, got, f)
				}
			}
		})
	}
}
