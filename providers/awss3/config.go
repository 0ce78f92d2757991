// Package awss3 is the S3 provider: it lists a bucket (under a prefix),
// reads each object as multi-document catalog YAML, follows the kind:
// Location entities in them (to other objects, relative to the object's
// key, and to URLs that backend.reading.allow permits), skips unchanged
// objects by ETag and replaces its bucket "awsS3-provider:<id>" with a full
// mutation each run, whose dropped entities become orphans.
// $text/$json/$yaml placeholders resolve relative to the object's key,
// inside the same bucket.
package awss3

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/porticohq/portico/providers"
)

var defaultSchedule = providers.Schedule{Frequency: 30 * time.Minute, Timeout: 3 * time.Minute}

// Config is one bucket: catalog.providers.awsS3 (id "default") or
// catalog.providers.awsS3.<id>, completed by integrations.awsS3[0].
type Config struct {
	ID              string
	BucketName      string
	Prefix          string
	Region          string
	Endpoint        string // for S3-compatible stores; empty means AWS
	ForcePathStyle  bool
	AccessKeyID     string // with SecretAccessKey; empty uses the default credential chain
	SecretAccessKey string // secret
	Schedule        providers.Schedule
	Safety          providers.Safety
	// MaxBytes bounds each object read (descriptors and $text targets):
	// backend.reading.maxBytes, set by the module; zero means
	// catalog.DefaultMaxReadSize.
	MaxBytes int64
}

// ParseConfig reads catalog.providers.awsS3 (one object or a map of ids)
// and the first entry of integrations.awsS3 (endpoint, s3ForcePathStyle,
// accessKeyId, secretAccessKey), as Backstage does.
func ParseConfig(section, integrations any) ([]Config, error) {
	const root = "catalog.providers.awsS3"
	if section == nil {
		return nil, nil
	}
	m, ok := section.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: want an object, got %T", root, section)
	}
	integ := map[string]any{}
	if list, ok := integrations.([]any); ok && len(list) > 0 {
		integ, _ = list[0].(map[string]any)
	}
	if _, single := m["bucketName"]; single {
		c, err := parseBucket("default", m, integ, root)
		return []Config{c}, err
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []Config
	for _, id := range ids {
		b, ok := m[id].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s.%s: want an object with bucketName, got %T", root, id, m[id])
		}
		c, err := parseBucket(id, b, integ, root+"."+id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseBucket(id string, m, integ map[string]any, path string) (Config, error) {
	str := func(src map[string]any, key string) string { s, _ := src[key].(string); return strings.TrimSpace(s) }
	c := Config{ID: id, BucketName: str(m, "bucketName"), Prefix: str(m, "prefix"), Region: str(m, "region"),
		Endpoint: str(m, "endpoint"), AccessKeyID: str(integ, "accessKeyId"), SecretAccessKey: str(integ, "secretAccessKey")}
	if c.BucketName == "" {
		return c, fmt.Errorf("%s.bucketName: required", path)
	}
	if c.Endpoint == "" {
		c.Endpoint = str(integ, "endpoint")
	}
	c.Endpoint = strings.TrimRight(c.Endpoint, "/")
	if b, ok := m["forcePathStyle"].(bool); ok {
		c.ForcePathStyle = b
	} else if b, ok := integ["s3ForcePathStyle"].(bool); ok {
		c.ForcePathStyle = b
	}
	if c.Region == "" {
		c.Region = "us-east-1"
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
