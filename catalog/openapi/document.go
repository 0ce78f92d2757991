package openapi

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/porticohq/portico/catalog"
)

// LoadDocument loads data into the kin-openapi model with the same rules
// as Parse (size limit, Swagger 2.0 converted, external $refs refused,
// sibling refs read through reader) but without validating or indexing:
// for callers, such as the API differ, that walk the model themselves.
func LoadDocument(ctx context.Context, data []byte, reader catalog.Reader, limits Limits) (doc *openapi3.T, sum *Summary, err error) {
	defer func() {
		if p := recover(); p != nil {
			doc, sum, err = nil, nil, panicError(data, p)
		}
	}()
	limits = limits.withDefaults()
	if int64(len(data)) > limits.MaxBytes {
		return nil, nil, fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, len(data), limits.MaxBytes)
	}
	sum, err = summarizeLoadable(data)
	if err != nil {
		return nil, nil, err
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.Context = ctx
	loader.ReadFromURIFunc = (&refReader{ctx: ctx, reader: reader, limits: limits}).read
	base := &url.URL{Path: "definition"}
	if strings.HasPrefix(sum.Format, "swagger-") {
		doc, err = loadSwagger(data, loader, base)
	} else {
		doc, err = loader.LoadFromDataWithPath(data, base)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load definition: %w", err)
	}
	return doc, sum, nil
}
