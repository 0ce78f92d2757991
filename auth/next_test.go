package auth

import "testing"

func TestSafeNext(t *testing.T) {
	tests := map[string]string{
		"":                       "/",
		"/":                      "/",
		"/catalog":               "/catalog",
		"/apis?owned=me&q=a%20b": "/apis?owned=me&q=a%20b",
		"//evil.example":         "/",
		"https://evil.example":   "/",
		`/\evil.example`:         "/",
		`\\evil.example`:         "/",
		"/\t/evil.example":       "/",
		"javascript:alert(1)":    "/",
		"catalog":                "/",
		"/%2F%2Fevil.example":    "/",
		"///evil.example":        "/",
		"http:/evil.example":     "/",
	}
	for in, want := range tests {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
