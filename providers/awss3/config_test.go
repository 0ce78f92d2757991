package awss3

import (
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/config"
)

// parse runs ParseConfig on catalog.providers.awsS3 and integrations.awsS3
// of a configuration built from these values.
func parse(section, integrations any) ([]Config, error) {
	root := config.New(map[string]any{
		"catalog":      map[string]any{"providers": map[string]any{"awsS3": section}},
		"integrations": map[string]any{"awsS3": integrations},
	})
	return ParseConfig(root.Sub("catalog.providers.awsS3"), root.Sub("integrations.awsS3"))
}

func TestParseConfig(t *testing.T) {
	integ := []any{map[string]any{"endpoint": "http://minio:9000/", "s3ForcePathStyle": true, "accessKeyId": "AK", "secretAccessKey": "SK"}}
	single, err := parse(map[string]any{"bucketName": "apis", "prefix": "team/", "schedule": map[string]any{"frequency": "PT5M", "timeout": map[string]any{"minutes": 1}}}, integ)
	if err != nil {
		t.Fatal(err)
	}
	c := single[0]
	if len(single) != 1 || c.ID != "default" || c.Endpoint != "http://minio:9000" || !c.ForcePathStyle || c.AccessKeyID != "AK" ||
		c.SecretAccessKey != "SK" || c.Region != "us-east-1" || c.Schedule.Frequency != 5*time.Minute || c.Schedule.Timeout != time.Minute {
		t.Fatalf("single = %+v", c)
	}
	many, err := parse(map[string]any{
		"a": map[string]any{"bucketName": "one", "endpoint": "http://other", "forcePathStyle": false},
		"b": map[string]any{"bucketName": "two", "region": "eu-west-1", "shrinkGuard": 0.2},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(many) != 2 || many[0].ID != "a" || many[0].Endpoint != "http://other" || many[1].Region != "eu-west-1" ||
		many[1].Safety.ShrinkGuard != 0.2 || many[1].Schedule.Frequency != 30*time.Minute {
		t.Fatalf("many = %+v", many)
	}
	for _, tt := range []struct {
		section any
		want    string
	}{
		{map[string]any{"x": map[string]any{"prefix": "p"}}, "catalog.providers.awsS3.x.bucketName: a value is required"},
		{map[string]any{"bucketName": "b", "schedule": map[string]any{"frequency": "soon"}}, "catalog.providers.awsS3.schedule.frequency"},
		{map[string]any{"bucketName": "b", "shrinkGuard": 2}, "catalog.providers.awsS3.shrinkGuard"},
	} {
		if _, err := parse(tt.section, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Fatalf("err = %v, want %q", err, tt.want)
		}
	}
}
