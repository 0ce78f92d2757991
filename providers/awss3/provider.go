package awss3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
)

// Provider syncs one bucket (under a prefix) into "awsS3-provider:<id>".
type Provider struct {
	cfg    Config
	client *s3.Client
	urls   *catalog.Targets
	log    *slog.Logger

	mu    sync.Mutex
	cache map[string]cached // key → the object's body at an ETag
	reads atomic.Int64      // object bodies read, for tests and logs
}

// cached is an object's body at one ETag.
type cached struct {
	etag string
	data []byte
}

// New returns the provider; it builds its S3 client from cfg (static keys
// when given, otherwise the default AWS credential chain). urls reads the
// URLs outside the bucket that Location entities name (nil refuses them).
func New(ctx context.Context, cfg Config, urls *catalog.URLReader, log *slog.Logger) (*Provider, error) {
	var opts []func(*awsconfig.LoadOptions) error
	opts = append(opts, awsconfig.WithRegion(cfg.Region))
	if cfg.AccessKeyID != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("aws config for %s: %w", cfg.BucketName, err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.ForcePathStyle
		// S3-compatible stores often send no checksums; don't log each one.
		o.DisableLogOutputChecksumValidationSkipped = true
		// One retry, after at most 250 ms: an object that keeps failing
		// is kept at its last version (a failed source) and must not use up
		// the run's timeout that the other objects need (issue 15: 200
		// failing objects, retried three times with backoff, timed out
		// every run).
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 2
			so.MaxBackoff = 250 * time.Millisecond
		})
	})
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Provider{cfg: cfg, client: client, cache: map[string]cached{}}
	if urls != nil {
		p.urls = &catalog.Targets{URLs: urls, MaxSize: cfg.MaxBytes}
	}
	p.log = log.With("provider", p.Name())
	return p, nil
}

// Name is the provider's bucket in the catalog.
func (p *Provider) Name() string { return "awsS3-provider:" + p.cfg.ID }

// Connect does nothing: the scheduler drives this provider.
func (p *Provider) Connect(ctx context.Context, conn providers.Connection) error { return nil }

// Schedule is the configured schedule.
func (p *Provider) Schedule() providers.Schedule { return p.cfg.Schedule }

// Safety is the configured shrink guard.
func (p *Provider) Safety() providers.Safety { return p.cfg.Safety }

// Secrets lists the secret key so the scheduler never records it.
func (p *Provider) Secrets() []string { return []string{p.cfg.SecretAccessKey} }

// Reads returns how many object bodies the provider has read.
func (p *Provider) Reads() int64 { return p.reads.Load() }

// object is one listed key.
type object struct{ key, etag string }

// Run lists the bucket and reads every object, and everything the kind:
// Location entities in them name (other objects, URLs), as one full
// mutation whose dropped entities become orphans, as when Backstage's S3
// provider stops emitting a key's Location; it lists the locations read, so
// that each orphan names the object whose Location dropped it. Objects whose ETag is unchanged
// are not fetched again. A listing error fails the run; an object that
// cannot be read or parsed is a failed source, so its stored entities are
// kept.
func (p *Provider) Run(ctx context.Context) (catalog.Mutation, error) {
	objects, err := p.list(ctx)
	if err != nil {
		return catalog.Mutation{}, err
	}
	tr := &bucketTargets{p: p, etags: make(map[string]string, len(objects)), total: len(objects)}
	roots := make([]catalog.LocationSpec, 0, len(objects))
	for _, o := range objects {
		tr.etags[o.key] = o.etag
		roots = append(roots, p.spec(o.key))
	}
	reads := catalog.FollowLocations(ctx, tr, roots, p.location(p.cfg.Prefix))
	if err := ctx.Err(); err != nil {
		return catalog.Mutation{}, err
	}
	p.forgetUnlisted(tr.etags)
	m := catalog.Mutation{Type: catalog.Full, Orphans: true}
	for _, r := range reads {
		if !r.Missing {
			m.Followed = append(m.Followed, r.Location.String())
		}
		if r.Failed != nil {
			m.Failed = append(m.Failed, *r.Failed)
		}
		for _, e := range r.Entities {
			// Documents with neither apiVersion nor kind are not
			// descriptors: the OpenAPI files that descriptors point at
			// with $text live beside them.
			if e.Entity.APIVersion != "" || e.Entity.Kind != "" {
				m.Entities = append(m.Entities, e)
			}
		}
	}
	p.log.Info("listed bucket", "bucket", p.cfg.BucketName, "objects", len(objects), "locations", len(reads),
		"entities", len(m.Entities), "failed", len(m.Failed))
	return m, nil
}

// list pages through ListObjectsV2 under the prefix, skipping folder keys,
// and cross-checks what the server says, since an S3-compatible store that
// lies (a listing that ends after one page, a page whose KeyCount does not
// match its keys, a continuation token seen before) must fail the run
// rather than make half a bucket look deleted: the end of the listing is
// confirmed by asking for what comes after its last key.
func (p *Provider) list(ctx context.Context) ([]object, error) {
	var out []object
	in := &s3.ListObjectsV2Input{Bucket: aws.String(p.cfg.BucketName), Prefix: aws.String(p.cfg.Prefix)}
	tokens := map[string]bool{}
	last := aws.String("")
	for page := 1; ; page++ {
		res, err := p.client.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, p.explain(fmt.Sprintf("list s3://%s/%s (page %d)", p.cfg.BucketName, p.cfg.Prefix, page), err)
		}
		if n := aws.ToInt32(res.KeyCount); res.KeyCount != nil && int(n) != len(res.Contents)+len(res.CommonPrefixes) {
			return nil, p.listingLies(page, "says it holds %d keys but holds %d", n, len(res.Contents))
		}
		for _, o := range res.Contents {
			key := aws.ToString(o.Key)
			*last = key
			if !strings.HasSuffix(key, "/") {
				out = append(out, object{key: key, etag: aws.ToString(o.ETag)})
			}
		}
		providers.ReportProgress(ctx, "listed %d objects", len(out))
		next, err := p.nextPage(ctx, in, res, page, tokens, last)
		if err != nil || next == nil {
			return out, err
		}
		in = next
	}
}

// nextPage returns the request for the page after res, or nil when the
// listing has really ended.
func (p *Provider) nextPage(ctx context.Context, in *s3.ListObjectsV2Input, res *s3.ListObjectsV2Output, page int, tokens map[string]bool, last *string) (*s3.ListObjectsV2Input, error) {
	base := &s3.ListObjectsV2Input{Bucket: in.Bucket, Prefix: in.Prefix}
	if aws.ToBool(res.IsTruncated) {
		token := aws.ToString(res.NextContinuationToken)
		switch {
		case token == "":
			return nil, p.listingLies(page, "is truncated but gives no continuation token")
		case tokens[token]:
			return nil, p.listingLies(page, "repeats a continuation token")
		}
		tokens[token] = true
		base.ContinuationToken = aws.String(token)
		return base, nil
	}
	if *last == "" {
		return nil, nil
	}
	// The listing says it has ended: make sure nothing follows its last key.
	probe, err := p.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: in.Bucket, Prefix: in.Prefix, StartAfter: last, MaxKeys: aws.Int32(1)})
	if err != nil {
		return nil, p.explain(fmt.Sprintf("list s3://%s/%s (after page %d)", p.cfg.BucketName, p.cfg.Prefix, page), err)
	}
	if len(probe.Contents) > 0 {
		return nil, p.listingLies(page, "ends the listing, but more keys follow %s", *last)
	}
	return nil, nil
}

func (p *Provider) listingLies(page int, format string, args ...any) error {
	return fmt.Errorf("list s3://%s/%s: page %d %s; nothing was applied, the run is retried on schedule",
		p.cfg.BucketName, p.cfg.Prefix, page, fmt.Sprintf(format, args...))
}

// object returns an object's body: the cached one when the listing's
// ETag matches it, otherwise a fresh read (cached when the ETag is known).
func (p *Provider) object(ctx context.Context, key, etag string) ([]byte, error) {
	p.mu.Lock()
	c, ok := p.cache[key]
	p.mu.Unlock()
	if ok && etag != "" && c.etag == etag {
		return c.data, nil
	}
	data, err := p.read(ctx, key)
	if err != nil {
		return nil, err
	}
	if etag != "" {
		p.mu.Lock()
		p.cache[key] = cached{etag: etag, data: data}
		p.mu.Unlock()
	}
	return data, nil
}

// forgetUnlisted drops the cached bodies of objects the listing no longer has.
func (p *Provider) forgetUnlisted(listed map[string]string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for key := range p.cache {
		if _, ok := listed[key]; !ok {
			delete(p.cache, key)
		}
	}
}

// read fetches an object's body, at most the read limit
// (backend.reading.maxBytes).
func (p *Provider) read(ctx context.Context, key string) ([]byte, error) {
	p.reads.Add(1)
	name := fmt.Sprintf("s3://%s/%s", p.cfg.BucketName, key)
	limit := p.cfg.MaxBytes
	if limit <= 0 {
		limit = catalog.DefaultMaxReadSize
	}
	ctx, cancel := context.WithTimeout(ctx, objectTimeout)
	defer cancel()
	res, err := p.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.cfg.BucketName), Key: aws.String(key)})
	if err != nil {
		var missing *types.NoSuchKey
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("%s does not exist: %w", name, fs.ErrNotExist)
		}
		return nil, p.explain("read "+name, err)
	}
	defer res.Body.Close()
	if size := aws.ToInt64(res.ContentLength); size > limit {
		return nil, catalog.TooLarge(name, size, limit)
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, catalog.TooLarge(name, -1, limit)
	}
	return data, nil
}

// objectTimeout bounds one object's read, retry included.
const objectTimeout = 20 * time.Second

// spec is an object's location.
func (p *Provider) spec(key string) catalog.LocationSpec {
	return catalog.LocationSpec{Type: "url", Target: strings.TrimPrefix(p.location(key), "url:")}
}

// keyOf returns the key of the bucket's object that a url location names.
func (p *Provider) keyOf(loc catalog.LocationSpec) (string, bool) {
	base := p.spec("").Target
	rest, ok := strings.CutPrefix(loc.Target, base)
	if loc.Type != "url" || !ok {
		return "", false
	}
	key, err := url.PathUnescape(rest)
	if err != nil || key == "" || path.Clean("/"+key) != "/"+key {
		return "", false
	}
	return key, true
}

// location is an object's managed-by location: "url:" + the object's URL
// (the endpoint's, path style, when one is configured; AWS's otherwise).
func (p *Provider) location(key string) string {
	if p.cfg.Endpoint != "" {
		return fmt.Sprintf("url:%s/%s/%s", p.cfg.Endpoint, p.cfg.BucketName, key)
	}
	return fmt.Sprintf("url:https://%s.s3.%s.amazonaws.com/%s", p.cfg.BucketName, p.cfg.Region, key)
}
