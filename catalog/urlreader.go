package catalog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/porticohq/portico/catalog/egress"
	"github.com/porticohq/portico/catalog/lru"
)

// ReadAllowRule is one entry of backend.reading.allow: a host
// ("example.com", "*.example.com", optionally with ":port") and optional
// path prefixes.
type ReadAllowRule struct {
	Host  string
	Paths []string
}

// URLReader reads placeholder targets and url locations over http(s), only
// from hosts that backend.reading.allow permits, within a time and size
// limit. It connects through the same address guard as try-it-out:
// loopback, link-local, private and cloud metadata addresses are refused,
// whatever name resolves to them, unless Addresses names them. The zero
// value refuses every URL. A URLReader must not be copied after first use.
type URLReader struct {
	// Bodies, when set, keeps what was read with its ETag: reading the URL
	// again sends If-None-Match, and a 304 answers from the cache, so url
	// locations and placeholders re-read on every schedule cost the server
	// almost nothing when unchanged.
	Bodies *lru.Cache[string, Revalidated]

	Allow []ReadAllowRule
	// Addresses are backend.reading.allowAddresses: addresses and CIDRs
	// (egress.ParseAddressRules) that reads may connect to although they
	// are private, loopback or link-local. A host in Allow never widens
	// this: an internal name is still refused by its address.
	Addresses []egress.Rule
	// Lookup replaces DNS resolution (tests); nil means the system's.
	Lookup  egress.LookupFunc
	Timeout time.Duration
	// MaxSize is backend.reading.maxBytes; zero means DefaultMaxReadSize.
	MaxSize int64

	once   sync.Once
	client *http.Client
}

// Limit is the most one read may return: MaxSize, or DefaultMaxReadSize.
// Readers of other sources that share the URL reader (file locations)
// apply the same limit.
func (u *URLReader) Limit() int64 {
	if u == nil || u.MaxSize <= 0 {
		return DefaultMaxReadSize
	}
	return u.MaxSize
}

// Allowed reports whether rawURL may be read.
func (u *URLReader) Allowed(rawURL string) bool {
	parsed, err := url.Parse(rawURL)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") {
		return false
	}
	return u.allowedURL(parsed)
}

func (u *URLReader) allowedURL(p *url.URL) bool {
	if checkURLPath(p) != nil {
		return false
	}
	host := strings.ToLower(p.Host)
	for _, rule := range u.Allow {
		h := strings.ToLower(rule.Host)
		matched := host == h || (strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:]))
		if !matched {
			continue
		}
		if len(rule.Paths) == 0 {
			return true
		}
		for _, prefix := range rule.Paths {
			if pathWithin(p, prefix) {
				return true
			}
		}
	}
	return false
}

// Read fetches rawURL and returns its body and the URL read.
func (u *URLReader) Read(ctx context.Context, rawURL string) ([]byte, string, error) {
	parsed, err := url.Parse(rawURL)
	if err != nil {
		return nil, rawURL, fmt.Errorf("parse URL %q: %w", rawURL, err)
	}
	if parsed.Scheme != "http" && parsed.Scheme != "https" {
		return nil, rawURL, fmt.Errorf("%s: only http and https URLs can be read", rawURL)
	}
	if err := checkURLPath(parsed); err != nil {
		return nil, rawURL, fmt.Errorf("reading %s is not allowed: %w", rawURL, err)
	}
	if !u.allowedURL(parsed) {
		return nil, rawURL, fmt.Errorf("reading from %s is not allowed; add its host to backend.reading.allow", parsed.Host)
	}
	timeout := u.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, parsed.String(), nil)
	if err != nil {
		return nil, rawURL, fmt.Errorf("request %s: %w", rawURL, err)
	}
	prev, revalidate := u.cached(req.URL.String())
	if revalidate {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	resp, err := u.httpClient().Do(req)
	if err != nil {
		var refused egress.Refusal
		if errors.As(err, &refused) {
			return nil, rawURL, fmt.Errorf("read %s: %w", rawURL, refused)
		}
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err // its message repeats the method and URL
		}
		return nil, rawURL, fmt.Errorf("read %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && revalidate {
		return prev.Body, rawURL, nil
	}
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode == http.StatusNotFound {
			return nil, rawURL, fmt.Errorf("%s does not exist (404): %w", rawURL, fs.ErrNotExist)
		}
		return nil, rawURL, fmt.Errorf("read %s: status %s", rawURL, resp.Status)
	}
	limit := u.Limit()
	if resp.ContentLength > limit {
		return nil, rawURL, TooLarge(rawURL, resp.ContentLength, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, rawURL, fmt.Errorf("read %s: %w", rawURL, err)
	}
	if int64(len(data)) > limit {
		return nil, rawURL, TooLarge(rawURL, -1, limit)
	}
	if etag := resp.Header.Get("ETag"); etag != "" && u.Bodies != nil {
		u.Bodies.Put(req.URL.String(), Revalidated{ETag: etag, Body: data})
	}
	return data, rawURL, nil
}

// Revalidated is a body read from a URL with the ETag its server gave it.
type Revalidated struct {
	ETag string
	Body []byte
}

// NewBodyCache returns a cache of read bodies bounded to limit bytes, for
// URLReader.Bodies.
func NewBodyCache(limit int64) *lru.Cache[string, Revalidated] {
	return lru.New[string, Revalidated](limit, func(r Revalidated) int64 { return int64(len(r.Body) + len(r.ETag)) })
}

func (u *URLReader) cached(key string) (Revalidated, bool) {
	if u.Bodies == nil {
		return Revalidated{}, false
	}
	return u.Bodies.Get(key)
}

// httpClient returns the reader's client, built once: it dials through the
// egress guard and re-checks the allow-list on every redirect, so an
// allowed host can bounce a read neither to another host or path nor to
// an address the guard refuses.
func (u *URLReader) httpClient() *http.Client {
	u.once.Do(func() {
		g := egress.NewGuard(u.Addresses, u.Lookup, "the URL reader", "backend.reading.allowAddresses")
		u.client = &http.Client{
			Transport: g.Transport(0),
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 5 {
					return fmt.Errorf("stopped after %d redirects", len(via))
				}
				if !u.allowedURL(req.URL) {
					return fmt.Errorf("redirect to %s is not allowed by backend.reading.allow", req.URL.Redacted())
				}
				return nil
			},
		}
	})
	return u.client
}

// ForURL returns a Reader for an entity read from base: relative targets
// resolve against base, absolute URLs are read as they are, and both must
// pass the allow-list.
func (u *URLReader) ForURL(base string) Reader {
	return urlRelativeReader{u: u, base: base}
}

type urlRelativeReader struct {
	u    *URLReader
	base string
}

// ReadRelative implements Reader.
func (r urlRelativeReader) ReadRelative(ctx context.Context, target string) ([]byte, string, error) {
	b, err := url.Parse(r.base)
	if err != nil {
		return nil, target, fmt.Errorf("parse base URL %q: %w", r.base, err)
	}
	t, err := url.Parse(target)
	if err != nil {
		return nil, target, fmt.Errorf("parse %q: %w", target, err)
	}
	return r.u.Read(ctx, b.ResolveReference(t).String())
}
