package awss3

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"strings"
)

// bucketReader resolves $text/$json/$yaml targets of an object relative to
// its key, confined to the same bucket: no URLs, no absolute keys, nothing
// above the bucket's root.
type bucketReader struct {
	p     *Provider
	key   string
	etags map[string]string // the run's listing: unchanged targets come from the cache
}

// Revision is the object's ETag in the run's listing ("" when unknown):
// API history records it as the source of a definition.
func (r *bucketReader) Revision() string { return r.etags[r.key] }

// ReadRelative reads target relative to the object's key.
func (r *bucketReader) ReadRelative(ctx context.Context, target string) ([]byte, string, error) {
	if u, err := url.Parse(target); err != nil || u.Scheme != "" || u.Host != "" {
		return nil, "", fmt.Errorf("%s: only paths relative to the object are read from a bucket", target)
	}
	if strings.HasPrefix(target, "/") {
		return nil, "", fmt.Errorf("%s: absolute paths are not allowed; use a path relative to the object", target)
	}
	key := path.Join(path.Dir(r.key), target)
	if key == ".." || strings.HasPrefix(key, "../") {
		return nil, "", fmt.Errorf("%s: resolves outside the bucket", target)
	}
	key = strings.TrimPrefix(key, "./")
	data, err := r.p.object(ctx, key, r.etags[key])
	if err != nil {
		return nil, r.p.location(key), err
	}
	return data, r.p.location(key), nil
}
