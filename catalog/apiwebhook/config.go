package apiwebhook

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/porticohq/portico/catalog/egress"
	"github.com/porticohq/portico/config"
)

// Events a webhook subscribes to.
const (
	EventBreaking = "breaking" // a new version with breaking changes
	EventAny      = "any"      // a new version with any classified change
)

// Webhook is one entry of apiDocs.history.webhooks.
type Webhook struct {
	URL    string `yaml:"url"`
	Secret string `yaml:"secret"`
	// Events is [breaking] (the default) or [any]. Either is told of a
	// version whose diff failed (event diff-failed, breaking null): a
	// failed diff cannot say the change does not break.
	Events []string `yaml:"events"`
	// MaxAttempts bounds the calls made for one delivery (default 8).
	MaxAttempts int `yaml:"maxAttempts"`
	// Backoff is the wait before the first retry, doubled after each
	// failure up to maxBackoff (default 30 s).
	Backoff time.Duration `yaml:"backoff"`
	// Timeout bounds one call (default 10 s).
	Timeout time.Duration `yaml:"timeout"`
}

// Defaults.
const (
	DefaultMaxAttempts = 8
	DefaultBackoff     = 30 * time.Second
	DefaultTimeout     = 10 * time.Second
	maxBackoff         = time.Hour
)

// UnmarshalConfig decodes and checks one webhook; errors name the key.
func (w *Webhook) UnmarshalConfig(c *config.Config) error {
	type plain Webhook
	var p plain
	if err := c.Decode(&p); err != nil {
		return err
	}
	u, err := url.Parse(p.URL)
	switch {
	case p.URL == "":
		return c.Errorf("url", "required: the http(s) URL to POST changes to")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return c.Errorf("url", "want an http:// or https:// URL, got %q", p.URL)
	case u.User != nil:
		return c.Errorf("url", "must not carry credentials; the body is signed with secret")
	case len(p.Secret) < 16:
		return c.Errorf("secret", "required, at least 16 characters: receivers verify X-Portico-Signature with it (use ${WEBHOOK_SECRET})")
	case p.MaxAttempts < 0 || p.MaxAttempts > 50:
		return c.Errorf("maxAttempts", "want 1 to 50, got %d", p.MaxAttempts)
	case p.Backoff < 0 || p.Timeout < 0:
		return c.Errorf("backoff", "durations must be positive")
	}
	if len(p.Events) == 0 {
		p.Events = []string{EventBreaking}
	}
	for i, e := range p.Events {
		if e != EventBreaking && e != EventAny {
			return c.Sub("events").Index(i).Errorf("", "want breaking or any, got %q", e)
		}
	}
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.Backoff == 0 {
		p.Backoff = DefaultBackoff
	}
	if p.Timeout == 0 {
		p.Timeout = DefaultTimeout
	}
	*w = Webhook(p)
	return nil
}

// Wants reports whether the webhook is told of a change with counts
// breaking and total.
func (w Webhook) Wants(breaking, total int) bool {
	return (slices.Contains(w.Events, EventAny) && total > 0) || (slices.Contains(w.Events, EventBreaking) && breaking > 0)
}

// Config is the part of apiDocs.history about webhooks.
type Config struct {
	Webhooks []Webhook `yaml:"webhooks"`
	// AllowAddresses are private or loopback addresses and CIDRs webhooks
	// may be sent to, beside backend.reading.allowAddresses.
	AllowAddresses []string `yaml:"webhookAllowAddresses"`
}

// ReadConfig decodes apiDocs.history's webhook keys from root and the
// address rules webhooks are sent under: backend.reading.allowAddresses
// and apiDocs.history.webhookAllowAddresses.
func ReadConfig(root *config.Config) (Config, []egress.Rule, error) {
	var cfg Config
	sec := root.Sub("apiDocs.history")
	if err := sec.Decode(&cfg); err != nil {
		return cfg, nil, err
	}
	seen := map[string]bool{}
	for i, w := range cfg.Webhooks {
		if seen[w.URL] {
			return cfg, nil, sec.Sub("webhooks").Index(i).Errorf("url", "%s is listed twice", w.URL)
		}
		seen[w.URL] = true
	}
	var reading []string
	if err := root.Sub("backend.reading.allowAddresses").Decode(&reading); err != nil {
		return cfg, nil, err
	}
	rules, err := egress.ParseAddressRules(append(reading, cfg.AllowAddresses...))
	if err != nil {
		return cfg, nil, sec.Errorf("webhookAllowAddresses", "%v", err)
	}
	return cfg, rules, nil
}

// AllowKeys names the configuration that lets webhooks reach private
// addresses, for refusals.
const AllowKeys = "backend.reading.allowAddresses or apiDocs.history.webhookAllowAddresses"

func (w Webhook) String() string { return fmt.Sprintf("webhook %s", redact(w.URL)) }

// redact keeps a webhook URL's scheme and host: chat services put the
// token in the path (hooks.slack.com/services/T/B/token) or the query.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(a webhook URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}
