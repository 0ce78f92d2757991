package catalog_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/porticohq/portico/catalog"
)

func TestParsePredicateRejects(t *testing.T) {
	deep := strings.Repeat(`{"$not": `, catalog.MaxPredicateDepth+1) + `{}` + strings.Repeat(`}`, catalog.MaxPredicateDepth+1)
	many := `{"kind": {"$in": [` + strings.Repeat(`"a",`, catalog.MaxPredicateTerms) + `"a"]}}`
	// Fields whose operator takes no values are conditions too: each is a
	// subquery (1,800 of them kept a PostgreSQL backend busy past 10 s).
	var fields []string
	for i := range catalog.MaxPredicateConditions {
		fields = append(fields, fmt.Sprintf(`"f%d": {"$exists": false}`, i))
	}
	manyFields := "{" + strings.Join(fields, ", ") + "}"
	for i := range fields {
		fields[i] = fmt.Sprintf(`"f%d": {"$hasPrefix": "a"}`, i)
	}
	manyPrefixes := "{" + strings.Join(fields, ", ") + "}"
	tests := []struct {
		name, query, want string
	}{
		{"primitive root", `"component"`, "top-level primitive values are not supported"},
		{"array root", `[{"kind": "api"}]`, "top-level primitive values are not supported"},
		{"operator with other keys", `{"$all": [], "kind": "api"}`, "operator $all must be the only key"},
		{"$all not a list", `{"$all": {"kind": "api"}}`, "$all must be a list"},
		{"$any item not an object", `{"$any": ["api"]}`, "query.$any[0] must be an object"},
		{"unknown operator", `{"$or": []}`, "unknown operator $or"},
		{"unknown value operator", `{"kind": {"$regex": "a.*"}}`, `Unsupported filter predicate value for field "kind"`},
		{"null value", `{"kind": null}`, `Unsupported filter predicate value for field "kind"`},
		{"array value", `{"kind": ["api"]}`, `Unsupported filter predicate value for field "kind"`},
		{"$in of objects", `{"kind": {"$in": [{"a": 1}]}}`, `Unsupported filter predicate value for field "kind"`},
		{"object $contains off relations", `{"metadata.tags": {"$contains": {"$any": ["java"]}}}`, `Unsupported filter predicate value for field "metadata.tags"`},
		{"relations $contains without type", `{"relations": {"$contains": {"targetRef": "group:default/a"}}}`, `requires a "type"`},
		{"relations $contains extra key", `{"relations": {"$contains": {"type": "ownedBy", "source": "x"}}}`, `requires a "type"`},
		{"too deep", deep, "nested deeper than 32 levels"},
		{"too many values", many, "more than 2000 values"},
		{"too many $exists fields", manyFields, "more than 256 conditions"},
		{"too many $hasPrefix fields", manyPrefixes, "more than 256 conditions"},
		{"NUL in a value", `{"spec.type": "serv\u0000ice"}`, "NUL characters"},
		{"not JSON", `{"kind": `, "Invalid query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalog.ParsePredicate(json.RawMessage(tt.query))
			if catalog.ErrorCode(err) != catalog.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want EINVALID containing %q", err, tt.want)
			}
		})
	}
}

// Backstage compares String(value): numbers as JavaScript writes them.
func TestParsePredicateWritesNumbersAsJavaScript(t *testing.T) {
	tests := map[string]string{
		`3`: "3", `3.0`: "3", `1e3`: "1000", `-0.5`: "-0.5", `1e21`: "1e+21", `1e-7`: "1e-7", `true`: "true",
	}
	for in, want := range tests {
		p, err := catalog.ParsePredicate(json.RawMessage(`{"spec.n": ` + in + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Fields[0].Values[0]; got != want {
			t.Errorf("%s: value %q, want %q", in, got, want)
		}
	}
}
