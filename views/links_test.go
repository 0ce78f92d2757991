package views

import "testing"

func TestEntityURLLowercasesKindAndEscapesParts(t *testing.T) {
	for _, c := range []struct{ ns, kind, name, want string }{
		{"default", "API", "pets", "/catalog/default/api/pets"},
		{"team a", "Component", "a/b?c", "/catalog/team%20a/component/a%2Fb%3Fc"},
	} {
		if got := EntityURL(c.ns, c.kind, c.name); got != c.want {
			t.Errorf("EntityURL(%q, %q, %q) = %q, want %q", c.ns, c.kind, c.name, got, c.want)
		}
	}
}
