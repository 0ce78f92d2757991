package apihistory

import "testing"

func TestInfoVersion(t *testing.T) {
	tests := []struct{ name, def, want string }{
		{"yaml block", "openapi: 3.0.0\ninfo:\n  title: T\n  description: |\n    version: not this\n  version: 2.1.0\npaths: {}\n", "2.1.0"},
		{"yaml flow", "openapi: 3.0.0\ninfo: {title: T, version: \"1.0\"}\npaths: {}\n", "1.0"},
		{"yaml number keeps its text", "info:\n  version: 1.10\n", "1.10"},
		{"yaml info after paths", "paths:\n  /a: {}\ninfo:\n  version: v3\n", "v3"},
		{"yaml nested info is not top-level", "paths:\n  /a:\n    info:\n      version: no\n", ""},
		{"yaml no version", "info:\n  title: T\n", ""},
		{"json", `{"openapi":"3.0.0","paths":{"/a":{"get":{}}},"info":{"title":"T","version":"4.2"}}`, "4.2"},
		{"json number", `{"info":{"version":3}}`, "3"},
		{"json no info", `{"openapi":"3.0.0"}`, ""},
		{"broken", "{\"info\": [", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := infoVersion([]byte(tt.def)); got != tt.want {
				t.Errorf("infoVersion = %q, want %q", got, tt.want)
			}
		})
	}
}
