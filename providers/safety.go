package providers

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/porticohq/portico/config"
)

// Safety is a provider's guard against a listing that lies: a full listing
// that would remove more than ShrinkGuard (a share of the bucket, 0.05 =
// 5%) and more than ten entities has its removals held (see held.go) until
// the next run agrees, RemovalGrace passes, or someone applies them — a
// listing cut short, a misconfigured prefix or an outage that answers
// "nothing" must not empty the catalog. The rest of the run is applied.
type Safety struct {
	// ShrinkGuard is the largest share of the bucket a run removes without
	// confirmation; 0 turns the guard off.
	ShrinkGuard float64
	// RemovalGrace is how long held removals wait before a run applies
	// them anyway.
	RemovalGrace time.Duration
	// AllowLargeDeletions turns the guard off.
	AllowLargeDeletions bool
}

// DefaultSafety holds removals of more than 5% of a bucket for an hour.
func DefaultSafety() Safety { return Safety{ShrinkGuard: 0.05, RemovalGrace: time.Hour} }

// SafetyPolicy is implemented by providers whose config sets their guard;
// others get DefaultSafety.
type SafetyPolicy interface {
	Safety() Safety
}

// UnmarshalConfig reads allowLargeDeletions, shrinkGuard and removalGrace
// from a provider's config object, whose other keys are the provider's;
// keys left out keep the values s had (DefaultSafety, usually). A provider's
// config struct embeds it with the tag `yaml:",inline"`.
func (s *Safety) UnmarshalConfig(c *config.Config) error {
	raw := struct {
		AllowLargeDeletions bool          `yaml:"allowLargeDeletions"`
		ShrinkGuard         float64       `yaml:"shrinkGuard"`
		RemovalGrace        time.Duration `yaml:"removalGrace"`
	}{s.AllowLargeDeletions, s.ShrinkGuard, s.RemovalGrace}
	if err := c.Decode(&raw); err != nil {
		return err
	}
	if raw.ShrinkGuard < 0 || raw.ShrinkGuard > 1 {
		return c.Errorf("shrinkGuard", "want a share between 0 and 1, got %v", raw.ShrinkGuard)
	}
	*s = Safety{AllowLargeDeletions: raw.AllowLargeDeletions, ShrinkGuard: raw.ShrinkGuard, RemovalGrace: raw.RemovalGrace}
	return nil
}

// hold says why a listing of cur entities after an applied listing of prev
// must be held, or "" when it may be applied: the guard of connections that
// cannot list their bucket, which hold the whole run.
func (s Safety) hold(prev, cur int) string {
	if s.AllowLargeDeletions || s.ShrinkGuard == 0 || prev == 0 || cur >= prev {
		return ""
	}
	if cur == 0 {
		return fmt.Sprintf("held: the listing is empty after %d entities last run; nothing was deleted (set allowLargeDeletions: true to accept it)", prev)
	}
	share := float64(prev-cur) / float64(prev)
	if share > s.ShrinkGuard {
		return fmt.Sprintf("held: the listing shrank from %d to %d entities (%.0f%%, more than %.0f%%); nothing was deleted (set allowLargeDeletions: true or raise shrinkGuard to accept it)",
			prev, cur, share*100, s.ShrinkGuard*100)
	}
	return ""
}

// SecretHolder is implemented by providers whose config holds secrets
// (tokens, keys); the scheduler removes them from every message it logs or
// records, on top of the provider's own redaction.
type SecretHolder interface {
	Secrets() []string
}

// secretParams matches credentials that travel in URLs or JSON.
var secretParams = regexp.MustCompile(`(?i)((?:access_token|secret_token|accessToken|secretAccessKey|X-Amz-Signature|X-Amz-Credential)["']?\s*[=:]\s*["']?)[^&"'\s,}]+`)

// Redact removes the given secrets and any credential-looking URL parameter
// from s.
func Redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return secretParams.ReplaceAllString(s, "${1}[redacted]")
}
