package catalog

import "testing"

func TestGlob(t *testing.T) {
	tests := []struct {
		target, base string
		match        map[string]bool
	}{
		{target: "/c/catalog-info.yaml", base: "/c", match: map[string]bool{"/c/catalog-info.yaml": true, "/c/other.yaml": false}},
		{target: "/c/apis/*.yaml", base: "/c/apis", match: map[string]bool{"/c/apis/a.yaml": true, "/c/apis/x/a.yaml": false, "/c/a.yaml": false}},
		{target: "/c/**/*.yaml", base: "/c", match: map[string]bool{"/c/a.yaml": true, "/c/x/y/a.yaml": true, "/c/a.yml": false, "/c/.#a.yaml": false, "/c/.git/a.yaml": false}},
		{target: "/c/.hidden/*.yaml", base: "/c/.hidden", match: map[string]bool{"/c/.hidden/a.yaml": true}},
		{target: "/c/*/catalog-info.{yaml,yml}", base: "/c", match: map[string]bool{"/c/x/catalog-info.yml": true, "/c/catalog-info.yaml": false}},
	}
	for _, tt := range tests {
		p := ParseGlob(tt.target)
		if p.Base != tt.base {
			t.Errorf("%s: base = %s, want %s", tt.target, p.Base, tt.base)
		}
		for file, want := range tt.match {
			if got := p.Match(file); got != want {
				t.Errorf("%s: match(%s) = %v, want %v", tt.target, file, got, want)
			}
		}
	}
}
