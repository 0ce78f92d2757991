package catalog

import (
	"context"
	"errors"
)

// StoredRef is an entity in a provider's bucket and where it was read from.
type StoredRef struct {
	Ref         Ref
	LocationKey string
	Location    string // managed-by-location, as ProcessedEntity.Location
	Orphan      bool   // no location emits it any more
}

// BucketLister is an optional Store capability: list the refs of one
// provider's bucket without reading the entities. With it, a provider can
// load a large source as a series of deltas and then remove what it no
// longer has, instead of holding every entity in one full mutation.
type BucketLister interface {
	BucketRefs(ctx context.Context, provider string) ([]StoredRef, error)
}

// ErrNoBucketLister is returned by BucketRefs when the store cannot list a
// bucket; callers fall back to a full mutation.
var ErrNoBucketLister = errors.New("the store cannot list a provider's bucket")

// ErrStorageFull is in the chain of a write the store refused because its
// disk is full: nothing stored is lost and reads keep working.
var ErrStorageFull = errors.New("the catalog database's disk is full")

// BucketRefs lists the refs stored in provider's bucket.
func (c *Catalog) BucketRefs(ctx context.Context, provider string) ([]StoredRef, error) {
	bl, ok := c.store.(BucketLister)
	if !ok {
		return nil, ErrNoBucketLister
	}
	return bl.BucketRefs(ctx, provider)
}

// CanListBuckets reports whether BucketRefs works with this store.
func (c *Catalog) CanListBuckets() bool {
	_, ok := c.store.(BucketLister)
	return ok
}
