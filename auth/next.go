package auth

import (
	"net/url"
	"strings"
)

// safeNext keeps a post-sign-in destination only when it is a path on this
// site: "/x?y" stays, while "//evil.example", "/\evil.example",
// "https://evil.example" and anything odd become "/". Browsers treat a
// backslash like a slash and ignore tabs and newlines, so those are refused.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	if strings.ContainsAny(next, "\\\t\r\n\x00") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	if strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}
