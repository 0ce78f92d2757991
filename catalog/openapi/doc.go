// Package openapi is the catalog's model of API definitions: a cheap summary
// of an OpenAPI or Swagger document (title, servers, operations) read with a
// plain decode at ingest and for the first page render, and the full
// document loaded with kin-openapi, bounded in size, time and depth, only
// when a page needs an operation's details. Both are cached per content hash.
package openapi
