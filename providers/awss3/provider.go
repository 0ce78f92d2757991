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

	"github.com/aws/aws-sdk-go-v2/aws"
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
// provider stops emitting a key's Location. Objects whose ETag is unchanged
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

// list pages through ListObjectsV2 under the prefix, skipping folder keys.
func (p *Provider) list(ctx context.Context) ([]object, error) {
	var out []object
	pager := s3.NewListObjectsV2Paginator(p.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(p.cfg.BucketName), Prefix: aws.String(p.cfg.Prefix)})
	for page := 1; pager.HasMorePages(); page++ {
		res, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s (page %d): %w", p.cfg.BucketName, p.cfg.Prefix, page, err)
		}
		for _, o := range res.Contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, "/") {
				continue
			}
			out = append(out, object{key: key, etag: aws.ToString(o.ETag)})
		}
		providers.ReportProgress(ctx, "listed %d objects", len(out))
	}
	return out, nil
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
	res, err := p.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.cfg.BucketName), Key: aws.String(key)})
	if err != nil {
		var missing *types.NoSuchKey
		if errors.As(err, &missing) {
			return nil, fmt.Errorf("%s does not exist: %w", name, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
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
