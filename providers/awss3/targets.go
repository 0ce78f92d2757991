package awss3

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
)

// bucketTargets is the TargetReader of one run: objects of the bucket (by
// the run's listing, so unchanged ones come from the cache) and, through
// backend.reading.allow, URLs outside it. A Location in an object names
// other objects relative to its own key, as url targets.
type bucketTargets struct {
	p     *Provider
	etags map[string]string // key → ETag, from this run's listing
	total int
	done  atomic.Int64
}

var _ catalog.TargetReader = (*bucketTargets)(nil)

// ReadLocation implements catalog.TargetReader.
func (t *bucketTargets) ReadLocation(ctx context.Context, loc catalog.LocationSpec) ([]byte, catalog.Reader, error) {
	key, ok := t.p.keyOf(loc)
	if !ok {
		if t.p.urls == nil {
			return nil, nil, fmt.Errorf("%s is outside the bucket and URLs cannot be read (backend.reading.allow)", loc.Target)
		}
		return t.p.urls.ReadLocation(ctx, loc)
	}
	data, err := t.p.object(ctx, key, t.etags[key])
	if n := t.done.Add(1); n%100 == 0 {
		providers.ReportProgress(ctx, "read %d of %d objects", n, t.total)
	}
	if err != nil {
		return nil, nil, err
	}
	return data, &bucketReader{p: t.p, key: key, etags: t.etags}, nil
}

// ResolveTarget implements catalog.TargetReader: targets resolve against
// the naming object's URL; objects of the bucket are read with the
// provider's credentials, other URLs only if backend.reading.allow permits.
func (t *bucketTargets) ResolveTarget(ctx context.Context, from catalog.LocationSpec, typ, target string) (catalog.Resolved, error) {
	if typ != "url" {
		return catalog.Resolved{}, fmt.Errorf("a Location read from a bucket names objects or URLs (type url), not %s locations", typ)
	}
	base, err := url.Parse(from.Target)
	if err != nil {
		return catalog.Resolved{}, fmt.Errorf("parse %q: %w", from.Target, err)
	}
	ref, err := url.Parse(target)
	if err != nil {
		return catalog.Resolved{}, fmt.Errorf("parse %q: %w", target, err)
	}
	loc := catalog.LocationSpec{Type: "url", Target: base.ResolveReference(ref).String()}
	if _, ok := t.p.keyOf(loc); ok {
		return catalog.Resolved{Locations: []catalog.LocationSpec{loc}}, nil
	}
	if t.p.urls == nil {
		return catalog.Resolved{}, fmt.Errorf("%s is outside the bucket and URLs cannot be read (backend.reading.allow)", loc.Target)
	}
	return t.p.urls.ResolveTarget(ctx, from, typ, target)
}
