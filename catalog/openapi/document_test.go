package openapi

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestLoadDocumentAppliesParseRules(t *testing.T) {
	ctx := context.Background()
	doc, sum, err := LoadDocument(ctx, readTestdata(t, "swagger2.yaml"), nil, Limits{})
	if err != nil || doc.OpenAPI == "" || !strings.HasPrefix(sum.Format, "swagger-2") || doc.Paths.Len() == 0 {
		t.Fatalf("swagger 2.0 not converted: %v", err)
	}
	if _, _, err := LoadDocument(ctx, readTestdata(t, "oas30.json"), nil, Limits{MaxBytes: 100}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("size limit: %v", err)
	}
	ext := []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: 'https://example.com/a.yaml'\n")
	if _, _, err := LoadDocument(ctx, ext, nil, Limits{}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("external $ref: %v", err)
	}
}
