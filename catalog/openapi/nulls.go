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
// stays tolerated, except a null path item (summarizeLoadable).

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

// summarizeLoadable is Summarize for Parse and LoadDocument, which refuse a
// null path item in any format. kin-openapi reads one in an OpenAPI 3
// document as an empty path item: the definition loaded as if the path had
// no operations, passed `portico validate`, and its diff against the
// version before called the path's operations removed, where the same
// null in Swagger 2.0 failed to load (and to diff).
func summarizeLoadable(data []byte) (*Summary, error) {
	sum, nulls, err := summarize(data)
	if err != nil {
		return nil, err
	}
	if len(nulls) > 0 {
		return nil, fmt.Errorf("load definition: %w", nullError(nulls[:min(len(nulls), maxNulls)]))
	}
	return sum, nil
}

// nullError describes the places nullsIn found.
func nullError(places []string) error {
	for i, p := range places {
		places[i] = strings.TrimPrefix(p, ".")
	}
	return fmt.Errorf("%s is null where an object is expected; remove it or give it a value", strings.Join(places, ", "))
}
