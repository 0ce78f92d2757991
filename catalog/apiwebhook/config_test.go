package apiwebhook

import (
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/config"
)

func TestReadConfig(t *testing.T) {
	root, err := config.Parse("app-config.yaml", []byte(`
backend:
  reading:
    allowAddresses: ['10.0.0.0/8']
apiDocs:
  history:
    webhookAllowAddresses: ['127.0.0.1:9000']
    webhooks:
      - url: https://chat.example/hooks/abc
        secret: 0123456789abcdef
      - url: http://10.1.2.3:8080/ci
        secret: 0123456789abcdef-ci
        events: [any]
        maxAttempts: 3
        backoff: 10s
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, rules, err := ReadConfig(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Webhooks) != 2 || len(rules) != 2 {
		t.Fatalf("config %+v, %d rules", cfg, len(rules))
	}
	a, b := cfg.Webhooks[0], cfg.Webhooks[1]
	if a.Events[0] != EventBreaking || a.MaxAttempts != DefaultMaxAttempts || a.Backoff != DefaultBackoff || a.Timeout != DefaultTimeout {
		t.Errorf("defaults: %+v", a)
	}
	if b.Events[0] != EventAny || b.MaxAttempts != 3 || b.Backoff != 10*time.Second {
		t.Errorf("second webhook: %+v", b)
	}
	if strings.Contains(a.String(), "abc") {
		t.Errorf("%s shows the URL's path, which may hold a token", a)
	}
}

func TestReadConfigErrorsNameTheKey(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"webhooks: [{secret: 0123456789abcdef}]", "apiDocs.history.webhooks[0].url"},
		{"webhooks: [{url: ftp://x.example/, secret: 0123456789abcdef}]", "apiDocs.history.webhooks[0].url"},
		{"webhooks: [{url: https://x.example/, secret: short}]", "apiDocs.history.webhooks[0].secret"},
		{"webhooks: [{url: https://x.example/, secret: 0123456789abcdef, events: [breaking, sometimes]}]", "apiDocs.history.webhooks[0].events[1]"},
		{"webhooks: [{url: https://x.example/, secret: 0123456789abcdef, maxAttempts: many}]", "apiDocs.history.webhooks[0].maxAttempts"},
		{"webhooks: [{url: https://x.example/, secret: 0123456789abcdef}, {url: https://x.example/, secret: 0123456789abcdef}]", "apiDocs.history.webhooks[1].url"},
		{"webhookAllowAddresses: [internal.example]", "apiDocs.history.webhookAllowAddresses"},
	}
	for _, tt := range cases {
		root, err := config.Parse("app-config.yaml", []byte("apiDocs:\n  history:\n    "+tt.yaml+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = ReadConfig(root)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to name %s", tt.yaml, err, tt.want)
		}
	}
}
