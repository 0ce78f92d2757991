package openapi

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
)

// TestConstraintsReadBothExclusiveForms: OpenAPI 3.0 marks a bound
// exclusive with a boolean beside minimum/maximum, 3.1 gives the bound
// itself; both read as "> n" / "< n", and the HTML field of an integer
// gets the nearest inclusive bound.
func TestConstraintsReadBothExclusiveForms(t *testing.T) {
	yes, one, nine := true, 1.0, 9.0
	v30 := &openapi3.Schema{Type: &openapi3.Types{"integer"}, Min: &one, Max: &nine,
		ExclusiveMin: openapi3.ExclusiveBound{Bool: &yes}, ExclusiveMax: openapi3.ExclusiveBound{Bool: &yes}}
	v31 := &openapi3.Schema{Type: &openapi3.Types{"integer"},
		ExclusiveMin: openapi3.ExclusiveBound{Value: &one}, ExclusiveMax: openapi3.ExclusiveBound{Value: &nine}}
	want := []Constraint{{"exclusiveMinimum", ">", "1"}, {"exclusiveMaximum", "<", "9"}}
	for name, s := range map[string]*openapi3.Schema{"3.0": v30, "3.1": v31} {
		if diff := cmp.Diff(want, constraints(s)); diff != "" {
			t.Errorf("%s constraints (-want +got):\n%s", name, diff)
		}
		if r := inputRules(s); r.Min != "2" || r.Max != "8" {
			t.Errorf("%s input min %q max %q, want 2 and 8", name, r.Min, r.Max)
		}
	}
	big := 1e20
	if got := constraints(&openapi3.Schema{Max: &big}); got[0].Value != "1e+20" {
		t.Errorf("a huge bound reads %q", got[0].Value)
	}
}
