package awss3

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/providers"
)

// TestS3ErrorsNameTheSettingToCheck: a failed run says what to fix in one
// sentence (issue 14: a missing credential showed a 250-character SDK chain).
func TestS3ErrorsNameTheSettingToCheck(t *testing.T) {
	f := newFakeS3(t)
	f.put(t, "apis/a.yaml", api("a"))
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	// No credentials anywhere: no static keys, no environment, no files, no
	// instance metadata.
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")

	for _, tc := range []struct {
		name   string
		cfg    func(*Config)
		fault  string
		want   string
		maxLen int
	}{
		{"no credentials", func(c *Config) { c.AccessKeyID, c.SecretAccessKey = "", "" }, "", "no AWS credentials were found: set accessKeyId and secretAccessKey", 260},
		{"access denied", nil, "denied", "access denied: the credentials may not read bucket catalog", 200},
		{"no such bucket", func(c *Config) { c.BucketName = "nope" }, "", "bucket nope does not exist: check bucketName", 200},
		{"endpoint down", func(c *Config) { c.Endpoint = closedURL }, "", "refused the connection: check the endpoint", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{ID: "default", BucketName: "catalog", Prefix: "apis/", Region: "us-east-1",
				Endpoint: f.srv.URL, ForcePathStyle: true, AccessKeyID: "AKIDTEST", SecretAccessKey: testSecret,
				Schedule: providers.Schedule{Frequency: time.Hour, InitialDelay: time.Hour, Timeout: 30 * time.Second},
				Safety:   providers.DefaultSafety()}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			p, err := New(context.Background(), cfg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			f.setFault(tc.fault)
			defer f.setFault("")
			_, err = p.Run(context.Background())
			if err == nil {
				t.Fatal("run succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.HasPrefix(msg, "list s3://"+cfg.BucketName+"/apis/") {
				t.Errorf("error %q; want it to start with the listing and say %q", msg, tc.want)
			}
			if len(msg) > tc.maxLen || strings.Contains(msg, "operation error") || strings.Contains(msg, "https response error") {
				t.Errorf("error is the SDK's chain (%d chars): %q", len(msg), msg)
			}
		})
	}
}
