package config

import (
	"strings"
	"testing"
)

func TestMemoryLimitFromConfigEnvironmentAndCgroup(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, gomemlimit string
		cgroup                 int64
		want                   int64
		source                 string
	}{
		{"default", "", "", 0, DefaultMemoryLimit, "default"},
		{"unit", "backend:\n  memoryLimit: 512MiB\n", "", 0, 512 << 20, "backend.memoryLimit"},
		{"bytes", "backend:\n  memoryLimit: 1000000\n", "", 0, 1_000_000, "backend.memoryLimit"},
		{"gigabytes with a space", "backend:\n  memoryLimit: 2 GiB\n", "", 0, 2 << 30, "backend.memoryLimit"},
		{"off", "backend:\n  memoryLimit: false\n", "", 0, 0, "backend.memoryLimit"},
		{"off as a word", "backend:\n  memoryLimit: 'off'\n", "", 0, 0, "backend.memoryLimit"},
		// GOMEMLIMIT is applied by the Go runtime itself and wins.
		{"GOMEMLIMIT wins", "backend:\n  memoryLimit: 512MiB\n", "1GiB", 0, 0, "GOMEMLIMIT"},
		{"config wins over the cgroup", "backend:\n  memoryLimit: 512MiB\n", "", 4 << 30, 512 << 20, "backend.memoryLimit"},
		{"a share of the cgroup", "", "", 1 << 30, 768 << 20, "cgroup memory limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("app-config.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			s, err := ParseSettings(cfg)
			if err != nil {
				t.Fatal(err)
			}
			env := func(k string) string {
				if k == "GOMEMLIMIT" {
					return tt.gomemlimit
				}
				return ""
			}
			got, source := s.MemoryLimit(env, tt.cgroup)
			if got != tt.want || source != tt.source {
				t.Errorf("MemoryLimit = %d from %s, want %d from %s", got, source, tt.want, tt.source)
			}
		})
	}
}

func TestMemoryLimitErrorsNameTheKey(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"backend:\n  memoryLimit: lots\n", `app-config.yaml: backend.memoryLimit: expected a size such as "320MiB"`},
		{"backend:\n  memoryLimit: 320MB\n", `app-config.yaml: backend.memoryLimit: expected a size`},
		{"backend:\n  memoryLimit: -5\n", `app-config.yaml: backend.memoryLimit: must be a positive size`},
		{"backend:\n  memoryLimit: 0\n", `app-config.yaml: backend.memoryLimit: must be a positive size`},
		{"backend:\n  memoryLimit: true\n", `app-config.yaml: backend.memoryLimit: expected a size`},
		{"backend:\n  memoryLimit: [1]\n", `app-config.yaml: backend.memoryLimit: expected a size`},
		{"backend:\n  memoryLimit: 99999999TiB\n", `app-config.yaml: backend.memoryLimit: size "99999999TiB" is too large`},
	} {
		cfg, err := Parse("app-config.yaml", []byte(tt.yaml))
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseSettings(cfg)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want it to start with %q", tt.yaml, err, tt.want)
		}
	}
}

func TestParseSizeTakesGOMEMLIMITUnits(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "100": 100, "100B": 100, "4KiB": 4096, "320MiB": 320 << 20, "3GiB": 3 << 30, "1TiB": 1 << 40} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}
