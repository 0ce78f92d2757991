package openapi

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// kin-openapi's Swagger 2.0 conversion dereferences every path item,
// parameter, response and header it meets: a null in any of those places
// panics inside the library. Parse recovers and names the nulls nullsIn
// finds, so the person reading the page (and `portico validate`) learns
// where the definition is wrong instead of reading a Go runtime error.
// Definitions that load are never searched: a null kin-openapi tolerates
// stays tolerated.

// maxNulls bounds how many places one error names.
const maxNulls = 5

// valueKeys hold values, not structure: a null under them is data.
var valueKeys = map[string]bool{"example": true, "examples": true, "default": true, "enum": true, "const": true}

// nullsIn returns where v (a decoded document) has a null in a position
// that must be an object (v has string keys: catalog.Normalize), as readable paths such as paths["/x"].get, at most
// maxNulls of them in document order.
func nullsIn(v any) []string {
	var out []string
	var walk func(v any, at string)
	walk = func(v any, at string) {
		if len(out) >= maxNulls {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if valueKeys[k] || strings.HasPrefix(k, "x-") {
					continue
				}
				child := at + member(k)
				if t[k] == nil {
					if at != "" && len(out) < maxNulls {
						// A null at the top level (info: null, ...) is
						// reported by the parser with its own words.
						out = append(out, child)
					}
					continue
				}
				walk(t[k], child)
			}
		case []any:
			for i, item := range t {
				child := at + "[" + strconv.Itoa(i) + "]"
				if item == nil {
					if len(out) < maxNulls {
						out = append(out, child)
					}
					continue
				}
				walk(item, child)
			}
		}
	}
	walk(v, "")
	return out
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$-]*$`)

func member(k string) string {
	if identifier.MatchString(k) {
		return "." + k
	}
	return "[" + strconv.Quote(k) + "]"
}

// nullError describes the places nullsIn found.
func nullError(places []string) error {
	for i, p := range places {
		places[i] = strings.TrimPrefix(p, ".")
	}
	return fmt.Errorf("%s is null where an object is expected; remove it or give it a value", strings.Join(places, ", "))
}
