package catalogapi

import (
	"encoding/json"
	"testing"

	"github.com/porticohq/portico/catalog"
)

func TestLocationPredicate(t *testing.T) {
	locs := []catalog.RegisteredLocation{
		{ID: "1", Type: "url", Target: "https://github.com/acme/a/blob/main/catalog-info.yaml"},
		{ID: "2", Type: "url", Target: "https://gitlab.example/b.yaml"},
		{ID: "file:/srv/catalog/*.yaml", Type: "file", Target: "/srv/catalog/*.yaml"},
	}
	for _, tc := range []struct {
		query string
		want  string // ids that match, in order
		bad   bool
	}{
		{query: ``, want: "1 2 file:/srv/catalog/*.yaml"},
		{query: `{"type": "url"}`, want: "1 2"},
		{query: `{"type": "url", "target": {"$hasPrefix": "https://github.com/acme"}}`, want: "1"},
		{query: `{"type": {"$in": ["file", "git"]}}`, want: "file:/srv/catalog/*.yaml"},
		{query: `{"$any": [{"id": "1"}, {"type": "file"}]}`, want: "1 file:/srv/catalog/*.yaml"},
		{query: `{"$all": [{"type": "url"}, {"$not": {"id": "1"}}]}`, want: "2"},
		{query: `{"target": {"$exists": true}}`, want: "1 2 file:/srv/catalog/*.yaml"},
		{query: `{"owner": "x"}`, bad: true},
		{query: `{"type": {"$regex": "u.*"}}`, bad: true},
		{query: `{"$any": {"type": "url"}}`, bad: true},
	} {
		match, err := locationPredicate(json.RawMessage(tc.query))
		if tc.bad {
			if catalog.ErrorCode(err) != catalog.EINVALID {
				t.Errorf("%s: err %v, want an input error", tc.query, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		got := ""
		for _, l := range locs {
			if match(l) {
				if got != "" {
					got += " "
				}
				got += l.ID
			}
		}
		if got != tc.want {
			t.Errorf("%s: matched %q, want %q", tc.query, got, tc.want)
		}
	}
}
