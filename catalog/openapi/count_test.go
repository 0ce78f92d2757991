package openapi

import (
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// countOperations counts operations straight from the document, paths ×
// HTTP methods through a plain map decode, independently of Summarize. It
// does not follow path-item $refs; none of the samples it is used on has one
// (TestPathItemRefs covers those).
func countOperations(tb testing.TB, data []byte) int {
	tb.Helper()
	var doc struct {
		Paths map[string]map[string]any `json:"paths" yaml:"paths"`
	}
	var err error
	if strings.HasPrefix(strings.TrimSpace(string(data)), "{") {
		err = json.Unmarshal(data, &doc)
	} else {
		err = yaml.Unmarshal(data, &doc)
	}
	if err != nil {
		tb.Fatalf("decode for counting: %v", err)
	}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}
	n := 0
	for _, item := range doc.Paths {
		for k := range item {
			if methods[k] {
				n++
			}
		}
	}
	if n == 0 {
		tb.Fatal("the document has no operations to count")
	}
	return n
}
