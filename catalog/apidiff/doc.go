// Package apidiff compares two definitions of one API and classifies each
// change as breaking, potentially breaking or non-breaking.
//
// OpenAPI definitions are diffed and classified by oasdiff
// (github.com/oasdiff/oasdiff), whose checker holds the rules; this package
// loads the two definitions the way the catalog does (catalog/openapi) and
// turns oasdiff's changes into a small Report grouped by operation, the
// groups with breaking changes first.
package apidiff
