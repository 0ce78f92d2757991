package catalogapi

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/porticohq/portico/catalog"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		name    string
		filters []string
		want    catalog.Filter
		wantErr string
	}{
		{name: "none", filters: nil, want: nil},
		{name: "empty strings are ignored", filters: []string{"", " , "}, want: nil},
		{
			name:    "conditions in one filter are ANDed, keys lower-cased",
			filters: []string{"Kind=API,spec.Lifecycle=Production"},
			want: catalog.Filter{{
				{Key: "kind", Values: []string{"api"}},
				{Key: "spec.lifecycle", Values: []string{"production"}},
			}},
		},
		{
			name:    "repeated filters are ORed",
			filters: []string{"kind=api", "kind=component"},
			want: catalog.Filter{
				{{Key: "kind", Values: []string{"api"}}},
				{{Key: "kind", Values: []string{"component"}}},
			},
		},
		{
			name:    "same key twice means any of",
			filters: []string{"kind=api,spec.type=openapi,KIND=component"},
			want: catalog.Filter{{
				{Key: "kind", Values: []string{"api", "component"}},
				{Key: "spec.type", Values: []string{"openapi"}},
			}},
		},
		{
			name:    "key alone means exists, key= means empty value",
			filters: []string{"metadata.annotations.backstage.io/orphan, spec.owner="},
			want: catalog.Filter{{
				{Key: "metadata.annotations.backstage.io/orphan"},
				{Key: "spec.owner", Values: []string{""}},
			}},
		},
		{
			name:    "relations keys",
			filters: []string{"relations.ownedBy=group:default/Team-A"},
			want:    catalog.Filter{{{Key: "relations.ownedby", Values: []string{"group:default/team-a"}}}},
		},
		{
			name:    "value may contain equals signs",
			filters: []string{"metadata.labels.x=a=b"},
			want:    catalog.Filter{{{Key: "metadata.labels.x", Values: []string{"a=b"}}}},
		},
		{
			name:    "a statement without key is an input error",
			filters: []string{"kind=api,=x"},
			wantErr: "Invalid filter, '=x' is not a valid statement (expected a string on the form a=b or a= or a)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFilter(tt.filters)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || catalog.ErrorCode(err) != catalog.EINVALID {
					t.Fatalf("err = %v, want EINVALID %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name       string
		query      string
		want       catalog.Query
		wantFields []string
		wantErr    string
	}{
		{name: "defaults", query: "", want: catalog.Query{Limit: defaultQueryLimit}},
		{
			name:  "everything",
			query: "filter=kind=api&limit=20&orderField=metadata.Name,desc&orderField=spec.type&fullTextFilterTerm=+pay+&fullTextFilterFields=metadata.Name,spec.type&fields=metadata.name,spec.type&fields=kind",
			want: catalog.Query{
				Filter:         catalog.Filter{{{Key: "kind", Values: []string{"api"}}}},
				Order:          []catalog.Order{{Field: "metadata.name", Desc: true}, {Field: "spec.type"}},
				Limit:          20,
				FullText:       "pay",
				FullTextFields: []string{"metadata.name", "spec.type"},
			},
			wantFields: []string{"metadata.name", "spec.type", "kind"},
		},
		{
			name:  "a cursor carries the rest of the query",
			query: "cursor=abc&filter=kind=api&orderField=x,bad&limit=5",
			want:  catalog.Query{Cursor: "abc", Limit: 5},
		},
		{name: "limit zero", query: "limit=0", want: catalog.Query{Limit: 0}},
		{name: "offset", query: "limit=5&offset=10", want: catalog.Query{Limit: 5, Offset: 10}},
		{name: "offset not an integer", query: "offset=ten", wantErr: "request/query/offset must be integer"},
		{name: "limit not an integer", query: "limit=abc", wantErr: "request/query/limit must be integer"},
		{name: "limit a float", query: "limit=1.5", wantErr: "request/query/limit must be integer"},
		{name: "limit negative", query: "limit=-1", wantErr: "request/query/limit must be >= 0"},
		{name: "bad order", query: "orderField=metadata.name,up", wantErr: "Invalid order field order, must be asc or desc"},
		{name: "array fields", query: "fields=metadata.tags[0]", wantErr: "invalid fields, array type fields are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, fields, err := parseQuery(q)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || catalog.ErrorCode(err) != catalog.EINVALID {
					t.Fatalf("err = %v, want EINVALID %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantFields, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFacets(t *testing.T) {
	q, _ := url.ParseQuery("facet=kind&facet=spec.type&facet=")
	got, err := parseFacets(q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"kind", "spec.type"}, got); diff != "" {
		t.Errorf("facets (-want +got):\n%s", diff)
	}
	if _, err := parseFacets(url.Values{}); err == nil || err.Error() != "Missing facet parameter" {
		t.Errorf("no facet: err = %v", err)
	}
}
