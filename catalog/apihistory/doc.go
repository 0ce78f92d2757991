// Package apihistory keeps every distinct definition of each API: a
// version is stored once per content hash, gzip'd, with when it was first
// seen and became current, where it came from and its info.version. A
// Recorder hears of the API entities the catalog store writes (an
// unchanged one costs it nothing): it records an API's first version with
// its entity, and a changed definition after the commit, off the ingest
// transaction, then computes the diff against the previous version once,
// in the background; other pairs
// are diffed on demand and cached. Prune applies the retention policy and
// never removes an API's current version.
package apihistory
