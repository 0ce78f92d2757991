// Package threescale is the 3scale provider: it reads a 3scale tenant's
// services, ActiveDocs and APIcast endpoints through the Account Management
// API and emits one API entity per service that has docs, compatible with
// the Backstage 3scale plugin's output.
package threescale

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/porticohq/portico/providers"
)

// DefaultSchedule is the existing plugin's: every 30 minutes, 3 minute timeout.
var defaultSchedule = providers.Schedule{Frequency: 30 * time.Minute, Timeout: 3 * time.Minute}

// Config is one tenant: catalog.providers.threeScaleApiEntity.<id>.
type Config struct {
	ID          string
	BaseURL     string // e.g. https://acme-admin.3scale.net
	AccessToken string // secret: sent as the access_token query parameter only
	SystemLabel string // spec.system, default 3scale
	OwnerLabel  string // spec.owner, default 3scale
	Schedule    providers.Schedule
	Safety      providers.Safety
}

// ParseConfig reads the catalog.providers.threeScaleApiEntity section: a
// map of tenant ids to their settings. A nil section yields no tenants.
func ParseConfig(section any) ([]Config, error) {
	const root = "catalog.providers.threeScaleApiEntity"
	if section == nil {
		return nil, nil
	}
	tenants, ok := section.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a map of tenant ids, got %T", root, section)
	}
	ids := make([]string, 0, len(tenants))
	for id := range tenants {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []Config
	for _, id := range ids {
		c, err := parseTenant(id, tenants[id], root+"."+id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseTenant(id string, v any, path string) (Config, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Config{}, fmt.Errorf("%s: want an object, got %T", path, v)
	}
	str := func(key string) string { s, _ := m[key].(string); return strings.TrimSpace(s) }
	c := Config{ID: id, BaseURL: strings.TrimRight(str("baseUrl"), "/"), AccessToken: str("accessToken"),
		SystemLabel: str("systemLabel"), OwnerLabel: str("ownerLabel")}
	if c.BaseURL == "" {
		return c, fmt.Errorf("%s.baseUrl: required", path)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return c, fmt.Errorf("%s.baseUrl: want an http(s) URL, got %q", path, c.BaseURL)
	}
	if c.AccessToken == "" {
		return c, fmt.Errorf("%s.accessToken: required", path)
	}
	if c.SystemLabel == "" {
		c.SystemLabel = "3scale"
	}
	if c.OwnerLabel == "" {
		c.OwnerLabel = "3scale"
	}
	var err error
	if c.Schedule, err = providers.ParseSchedule(m["schedule"], path+".schedule", defaultSchedule); err != nil {
		return c, err
	}
	if c.Safety, err = providers.ParseSafety(m, path); err != nil {
		return c, err
	}
	return c, nil
}
