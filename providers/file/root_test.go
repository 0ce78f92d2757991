package file

import "testing"

// Root is the one boundary of file reads: the provider's own targets and
// the API docs' $ref reads (catalogplugin.FileRoots) both come from it.
func TestRootIsTheAbsoluteDirectoryBeforeAnyGlob(t *testing.T) {
	tests := []struct{ target, dir, want string }{
		{"/srv/catalog/*.yaml", "", "/srv/catalog"},
		{"/srv/catalog/**/catalog-info.yaml", "", "/srv/catalog"},
		{"/srv/catalog/{a,b}/x.yaml", "", "/srv/catalog"},
		{"/srv/catalog/all.yaml", "", "/srv/catalog"},
		{"catalog/*.yaml", "/srv", "/srv/catalog"},
		{"../other/all.yaml", "/srv/app", "/srv/other"},
	}
	for _, tt := range tests {
		if got := Root(tt.target, tt.dir); got != tt.want {
			t.Errorf("Root(%q, %q) = %q, want %q", tt.target, tt.dir, got, tt.want)
		}
	}
}
