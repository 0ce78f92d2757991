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

// TestGitHubAlertsRenderAsCallouts: "> [!NOTE]" and its four siblings
// render as titled callouts (issue 14: they were shown literally); a
// marker that is not alone on its line, or unknown, stays a quote; the
// alert's body keeps its markdown and the sanitizer still applies.
func TestGitHubAlertsRenderAsCallouts(t *testing.T) {
	for _, tc := range []struct{ src, want, notWant string }{
		{"> [!NOTE]\n> Rate limits apply.", `<blockquote class="markdown-alert markdown-alert-note">`, "[!NOTE]"},
		{"> [!WARNING]\n> Deleting is **final**.", `<p class="markdown-alert-title">Warning</p>`, "[!WARNING]"},
		{"> [!tip]\n> Use `limit`.", `<code>limit</code>`, "[!tip]"},
		{"> [!CAUTION]\n> x <script>alert(1)</script>", "markdown-alert-caution", "<script"},
		{"> [!NOTE] inline text\n> more", "[!NOTE] inline text", "markdown-alert"},
		{"> [!FOO]\n> x", "[!FOO]", "markdown-alert"},
		{"> plain quote", "<blockquote>", "markdown-alert"},
		{`<blockquote class="markdown-alert markdown-alert-note">forged</blockquote>`, "", "markdown-alert"},
	} {
		got := RenderMarkdown(tc.src)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.notWant) {
			t.Errorf("RenderMarkdown(%q) = %q; want %q and not %q", tc.src, got, tc.want, tc.notWant)
		}
	}
}
