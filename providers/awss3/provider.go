package awss3

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/porticohq/portico/catalog"
	"github.com/porticohq/portico/providers"
)

// readers is how many objects are fetched at once.
const readers = 8

// Provider syncs one bucket (under a prefix) into "awsS3-provider:<id>".
type Provider struct {
	cfg    Config
	client *s3.Client
	log    *slog.Logger

	mu    sync.Mutex
	cache map[string]cached // key → what the object held at an ETag
	reads atomic.Int64      // object bodies read, for tests and logs
}

// cached is an object's parsed entities at one ETag.
type cached struct {
	etag     string
	entities []catalog.DeferredEntity
}

// New returns the provider; it builds its S3 client from cfg (static keys
// when given, otherwise the default AWS credential chain).
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Provider, error) {
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

// Run lists the bucket, reads the objects whose ETag changed and returns one
// full mutation. A listing error fails the run; an object that cannot be
// read or parsed is a failed source, so its stored entities are kept.
func (p *Provider) Run(ctx context.Context) (catalog.Mutation, error) {
	objects, err := p.list(ctx)
	if err != nil {
		return catalog.Mutation{}, err
	}
	type result struct {
		entities []catalog.DeferredEntity
		failed   *catalog.FailedSource
	}
	results := make([]result, len(objects))
	next := make(map[string]cached, len(objects))
	var nextMu sync.Mutex
	work := make(chan int)
	var wg sync.WaitGroup
	var done atomic.Int64
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				o := objects[i]
				ents, failed := p.object(ctx, o)
				results[i] = result{ents, failed}
				if failed == nil {
					nextMu.Lock()
					next[o.key] = cached{etag: o.etag, entities: ents}
					nextMu.Unlock()
				}
				if n := done.Add(1); n%100 == 0 {
					providers.ReportProgress(ctx, "read %d of %d objects", n, len(objects))
				}
			}
		}()
	}
	for i := range objects {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return catalog.Mutation{}, err
	}
	p.mu.Lock()
	p.cache = next
	p.mu.Unlock()
	m := catalog.Mutation{Type: catalog.Full}
	for _, r := range results {
		for _, e := range r.entities {
			e.Entity = *e.Entity.Clone() // the cache keeps its own copy
			m.Entities = append(m.Entities, e)
		}
		if r.failed != nil {
			m.Failed = append(m.Failed, *r.failed)
		}
	}
	p.log.Info("listed bucket", "bucket", p.cfg.BucketName, "objects", len(objects),
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

// object returns the entities of one object: from the cache when its ETag
// is unchanged, otherwise read and parsed.
func (p *Provider) object(ctx context.Context, o object) ([]catalog.DeferredEntity, *catalog.FailedSource) {
	p.mu.Lock()
	c, ok := p.cache[o.key]
	p.mu.Unlock()
	if ok && o.etag != "" && c.etag == o.etag {
		return c.entities, nil
	}
	location := p.location(o.key)
	data, err := p.read(ctx, o.key)
	if err != nil {
		return nil, &catalog.FailedSource{Location: location, Problems: []catalog.Problem{{File: location, Message: err.Error()}}}
	}
	src := catalog.Source{Location: location, OriginLocation: p.location(p.cfg.Prefix),
		Reader: &bucketReader{p: p, key: o.key}}
	ents, problems := catalog.ParseYAML(data, src)
	if len(problems) > 0 {
		return nil, &catalog.FailedSource{Location: location, Problems: problems}
	}
	// Documents with neither apiVersion nor kind are not descriptors: the
	// OpenAPI files descriptors point at with $text live beside them.
	kept := ents[:0]
	for _, e := range ents {
		if e.Entity.APIVersion == "" && e.Entity.Kind == "" {
			continue
		}
		e.LocationKey = p.Name()
		kept = append(kept, e)
	}
	return kept, nil
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

// location is an object's managed-by location: "url:" + the object's URL
// (the endpoint's, path style, when one is configured; AWS's otherwise).
func (p *Provider) location(key string) string {
	if p.cfg.Endpoint != "" {
		return fmt.Sprintf("url:%s/%s/%s", p.cfg.Endpoint, p.cfg.BucketName, key)
	}
	return fmt.Sprintf("url:https://%s.s3.%s.amazonaws.com/%s", p.cfg.BucketName, p.cfg.Region, key)
}
