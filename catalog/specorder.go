package catalog

import (
	"cmp"
	"context"
	"slices"
	"unicode/utf8"
)

// sortedSpecArrays are the spec fields that Backstage 4.0's
// BuiltinKindsEntityProcessor sorts in its preProcessEntity step, on every
// kind, so the catalog stores (and the API returns) them sorted whatever
// order the descriptor gave.
var sortedSpecArrays = []string{
	"providesApis", "consumesApis", "dependsOn", "dependencyOf", "memberOf", "children", "members",
}

// specOrder is the built-in processor that sorts those arrays. It runs
// before any other processor, as Backstage's pre-processing step does.
var specOrder = ProcessorFunc{ID: "spec-order", Fn: func(_ context.Context, pc *ProcessContext) error {
	sortSpecArrays(pc.Entity)
	return nil
}}

// sortSpecArrays sorts e's relation-bearing spec arrays the way JavaScript's
// Array.prototype.sort does with no comparator (by UTF-16 code units). Like
// Backstage, it leaves an array alone unless every item is a string.
func sortSpecArrays(e *Entity) {
	for _, field := range sortedSpecArrays {
		switch list := e.Spec[field].(type) {
		case []string:
			slices.SortStableFunc(list, compareUTF16)
		case []any:
			if allStrings(list) {
				slices.SortStableFunc(list, func(a, b any) int { return compareUTF16(a.(string), b.(string)) })
			}
		}
	}
}

func allStrings(list []any) bool {
	for _, v := range list {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}

// compareUTF16 orders strings by their UTF-16 code units, as JavaScript
// compares strings. It differs from Go's byte order only where characters
// above U+FFFF (surrogate pairs, 0xD800–0xDFFF) meet U+E000–U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmp.Compare(utf16Rank(ra), utf16Rank(rb))
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// utf16Rank maps a rune to a number that orders like its first UTF-16 code
// unit: U+E000–U+FFFF rank above every surrogate pair.
func utf16Rank(r rune) rune {
	if r >= 0xE000 && r <= 0xFFFF {
		return r + utf8.MaxRune + 1
	}
	return r
}
