// Package threescale is the 3scale provider: it reads a 3scale tenant's
// services, ActiveDocs and APIcast endpoints through the Account Management
// API and emits one API entity per service that has docs, compatible with
// the Backstage 3scale plugin's output.
package threescale

import (
	"net/url"
	"strings"
	"time"

	"github.com/porticohq/portico/config"
	"github.com/porticohq/portico/providers"
)

// DefaultSchedule is the existing plugin's: every 30 minutes, 3 minute timeout.
var defaultSchedule = providers.Schedule{Frequency: 30 * time.Minute, Timeout: 3 * time.Minute}

// Config is one tenant: catalog.providers.threeScaleApiEntity.<id>.
type Config struct {
	ID          string             `yaml:"-"`                             // the tenant's key
	BaseURL     string             `yaml:"baseUrl" config:"required"`     // e.g. https://acme-admin.3scale.net
	AccessToken string             `yaml:"accessToken" config:"required"` // secret: sent as the access_token query parameter only
	SystemLabel string             `yaml:"systemLabel"`                   // spec.system, default 3scale
	OwnerLabel  string             `yaml:"ownerLabel"`                    // spec.owner, default 3scale
	Schedule    providers.Schedule `yaml:"schedule"`
	Safety      providers.Safety   `yaml:",inline"`
}

// ParseConfig reads the catalog.providers.threeScaleApiEntity section: a
// map of tenant ids to their settings. An absent section yields no tenants.
// Errors name the file and the key path.
func ParseConfig(section *config.Config) ([]Config, error) {
	var tenants map[string]*config.Config
	if err := section.Decode(&tenants); err != nil {
		return nil, err
	}
	var out []Config
	for _, id := range section.Keys() {
		c, err := parseTenant(id, tenants[id])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseTenant(id string, section *config.Config) (Config, error) {
	c := Config{ID: id, Schedule: defaultSchedule, Safety: providers.DefaultSafety()}
	if err := section.Decode(&c); err != nil {
		return c, err
	}
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	c.AccessToken = strings.TrimSpace(c.AccessToken)
	c.SystemLabel = strings.TrimSpace(c.SystemLabel)
	c.OwnerLabel = strings.TrimSpace(c.OwnerLabel)
	if u, err := url.Parse(c.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return c, section.Errorf("baseUrl", "want an http(s) URL, got %q", c.BaseURL)
	}
	if c.AccessToken == "" {
		return c, section.Errorf("accessToken", "must not be empty")
	}
	if c.SystemLabel == "" {
		c.SystemLabel = "3scale"
	}
	if c.OwnerLabel == "" {
		c.OwnerLabel = "3scale"
	}
	return c, nil
}
