// Package catalog owns Portico's software catalog: the entity model in
// Backstage's descriptor format, entity refs, validation, relations,
// placeholder substitution, mutations from providers and the ingest pipeline
// that turns them into stored, related and indexed entities.
//
// Storage lives in catalog/store; this package declares the Store interface it
// needs and never imports a database driver.
package catalog
