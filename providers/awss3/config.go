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
	"cmp"
	"strings"
	"time"

	"github.com/porticohq/portico/config"
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

// bucketSection is one bucket's keys as Backstage's awsS3 provider reads
// them.
type bucketSection struct {
	BucketName     string             `yaml:"bucketName" config:"required"`
	Prefix         string             `yaml:"prefix"`
	Region         string             `yaml:"region"`
	Endpoint       string             `yaml:"endpoint"`
	ForcePathStyle *bool              `yaml:"forcePathStyle"`
	Schedule       providers.Schedule `yaml:"schedule"`
	Safety         providers.Safety   `yaml:",inline"`
}

// integration is the keys of integrations.awsS3[0] the provider uses.
type integration struct {
	Endpoint        string `yaml:"endpoint"`
	ForcePathStyle  bool   `yaml:"s3ForcePathStyle"`
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
}

// ParseConfig reads catalog.providers.awsS3 (one object or a map of ids)
// and the first entry of integrations.awsS3 (endpoint, s3ForcePathStyle,
// accessKeyId, secretAccessKey), as Backstage does. Errors name the file
// and the key path.
func ParseConfig(section, integrations *config.Config) ([]Config, error) {
	if !section.Has("") {
		return nil, nil
	}
	var integ integration
	if integrations != nil {
		if err := integrations.Index(0).Decode(&integ); err != nil {
			return nil, err
		}
	}
	var buckets map[string]*config.Config
	if err := section.Decode(&buckets); err != nil {
		return nil, err
	}
	if section.Has("bucketName") {
		c, err := parseBucket("default", section, integ)
		return []Config{c}, err
	}
	var out []Config
	for _, id := range section.Keys() {
		c, err := parseBucket(id, buckets[id], integ)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseBucket(id string, section *config.Config, integ integration) (Config, error) {
	b := bucketSection{Schedule: defaultSchedule, Safety: providers.DefaultSafety()}
	if err := section.Decode(&b); err != nil {
		return Config{}, err
	}
	c := Config{ID: id, BucketName: strings.TrimSpace(b.BucketName), Prefix: strings.TrimSpace(b.Prefix),
		Region:          cmp.Or(strings.TrimSpace(b.Region), "us-east-1"),
		Endpoint:        strings.TrimRight(cmp.Or(strings.TrimSpace(b.Endpoint), strings.TrimSpace(integ.Endpoint)), "/"),
		ForcePathStyle:  integ.ForcePathStyle,
		AccessKeyID:     strings.TrimSpace(integ.AccessKeyID),
		SecretAccessKey: strings.TrimSpace(integ.SecretAccessKey),
		Schedule:        b.Schedule, Safety: b.Safety}
	if b.ForcePathStyle != nil {
		c.ForcePathStyle = *b.ForcePathStyle
	}
	if c.BucketName == "" {
		return c, section.Errorf("bucketName", "must not be empty")
	}
	return c, nil
}
