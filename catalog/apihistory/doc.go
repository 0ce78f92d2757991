// Package apihistory keeps every distinct definition of each API: a
// version is stored once per content hash, gzip'd, with when it was first
// seen and became current, where it came from and its info.version. A
// Recorder notices new definitions as the catalog ingests them and records
// them after the commit, off the ingest transaction, then computes the
// diff against the previous version once, in the background; other pairs
// are diffed on demand and cached. Prune applies the retention policy and
// never removes an API's current version.
package apihistory
