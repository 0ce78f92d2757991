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
		{"yaml quoted", "info:\n  title: T\n  version: '2.0'\n", "2.0"},
		{"yaml double quoted with comment", "info:\n  version: \"3.1\" # pinned\n  title: T\n", "3.1"},
		{"yaml escaped quote goes to the parser", "info:\n  version: \"a\\tb\"\n", "a\tb"},
		{"yaml CRLF", "openapi: 3.0.0\r\ninfo:\r\n  title: T\r\n  version: 1.2.3\r\npaths: {}\r\n", "1.2.3"},
		{"yaml deeper version is not info's", "info:\n  contact:\n    version: no\n  version: yes-1\n", "yes-1"},
		{"yaml anchor goes to the parser", "info:\n  version: &v 7.0\n", "7.0"},
		{"yaml quoted key goes to the parser", "info:\n  \"version\": 8.0\n", "8.0"},
		{"yaml comments before the children", "info:\n# c\n\n    title: T\n    version: 9\n", "9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := infoVersion([]byte(tt.def)); got != tt.want {
				t.Errorf("infoVersion = %q, want %q", got, tt.want)
			}
		})
	}
}
