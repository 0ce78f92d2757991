package catalogapi

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// inputError returns the error the API answers with for bad request
// parameters (Backstage's InputError, 400).
func inputError(format string, args ...any) error {
	return catalog.Errorf(catalog.EINVALID, format, args...)
}

// errPredicates answers a filter predicate ({"$all": [...]}, $in, ...)
// sent to a store that cannot evaluate them (not a catalog.PredicateMatcher):
// a clear 501 rather than a silent wrong answer.
var errPredicates = echo.NewHTTPError(http.StatusNotImplemented,
	"Filter predicates (the query field) are not supported by this catalog's store; use the filter parameter")

// notFound returns Backstage's NotFoundError (404).
func notFound(format string, args ...any) error {
	return catalog.Errorf(catalog.ENOTFOUND, format, args...)
}
