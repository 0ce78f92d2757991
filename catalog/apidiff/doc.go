// Package apidiff compares two definitions of one API and classifies each
// change as breaking, potentially breaking or non-breaking.
//
// OpenAPI definitions are diffed and classified by oasdiff
// (github.com/oasdiff/oasdiff), whose checker holds the rules; this package
// loads the two definitions the way the catalog does (catalog/openapi) and
// turns oasdiff's changes into a small Report grouped by operation, the
// groups with breaking changes first.
//
// AsyncAPI, GraphQL and gRPC definitions get a structural diff of the
// model the Definition tab renders (catalog/asyncapi, graphqldef, grpcdef):
// channels, operations and message fields; types, fields, arguments and
// enum values; services, RPCs, messages, fields and enums, each change
// classified by the rules on AsyncAPI, GraphQL and GRPC. Their reports
// have the same shape, grouped by section ("channel x", "object Film",
// "service pkg.Orders"). Definitions picks the differ by spec.type.
package apidiff
