package config

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// DefaultMemoryLimit is the Go runtime's soft memory limit when neither
// GOMEMLIMIT nor backend.memoryLimit sets one and the process is not in a
// cgroup with a memory limit. Without a limit the garbage collector lets
// the heap grow to twice what is live (GOGC=100): a server holding
// ~250 MB of catalog state and operation search index reached 880 MB
// while the index was built over 100,000 APIs. Near the limit the
// collector runs more often instead. The process's resident size is about
// the limit plus ~100 MB the limit does not count (SQLite's page caches,
// the mapped binary). Issue 15 asks for at most 400 MB at 100,000 APIs:
// with 300 MiB that portal peaked at 389 MB on SQLite (ingest, queries,
// first operation search build; 350 MB through a restart) and 375 MB on
// PostgreSQL, against 547 MB at 512 MiB. The price is collector CPU while
// the live heap nears the limit (230-270 MB at the end of that build, the
// index included): 23-31% of the process's CPU over cold start and build,
// against 13% at 512 MiB. Small catalogs never come near it. The limit is
// soft: a heap that needs more grows past it, at the cost of more GC CPU,
// rather than failing; a larger catalog should raise it (README "Memory").
const DefaultMemoryLimit = 300 << 20

// cgroupShare is the part of a container's memory limit the Go heap is
// given by default: the rest is SQLite's page caches, stacks and the
// binary itself, which the Go limit does not count.
const cgroupShare = 0.75

// MemoryLimitSettings is backend.memoryLimit: the Go runtime's soft memory
// limit (debug.SetMemoryLimit), as a number of bytes, a size with a unit
// as GOMEMLIMIT takes it ("288MiB", "1GiB"; B, KiB, MiB, GiB, TiB), or
// false (or "off") for none.
type MemoryLimitSettings struct {
	Bytes int64 // 0 when unset
	Off   bool
}

// UnmarshalConfig accepts false, "off", a number of bytes or a size.
func (m *MemoryLimitSettings) UnmarshalConfig(c *Config) error {
	const want = `a size ("320MiB", "1GiB", a number of bytes) or false`
	switch v := c.value.(type) {
	case bool:
		if v {
			return c.typeError(want)
		}
		m.Off = true
		return nil
	case string:
		if strings.EqualFold(strings.TrimSpace(v), "off") {
			m.Off = true
			return nil
		}
		n, err := ParseSize(v)
		if err != nil {
			return c.Errorf("", "%v", err)
		}
		m.Bytes = n
	default:
		n, ok := c.integer()
		if !ok {
			return c.typeError(want)
		}
		m.Bytes = n
	}
	if m.Bytes <= 0 {
		return c.Errorf("", "must be a positive size or false, got %d bytes", m.Bytes)
	}
	return nil
}

// sizeUnits are the suffixes GOMEMLIMIT accepts.
var sizeUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

// ParseSize parses a byte size as GOMEMLIMIT writes it: a whole number
// with an optional unit B, KiB, MiB, GiB or TiB ("320MiB").
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	shift := uint(0)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, shift = strings.TrimSpace(rest), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("expected a size such as \"320MiB\" or \"1GiB\" (units B, KiB, MiB, GiB, TiB), got %q", s)
	}
	if n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n << shift, nil
}

// MemoryLimit is the soft memory limit to set and where it comes from, or
// 0 when none is to be set: GOMEMLIMIT (which the Go runtime has applied
// itself) wins; then backend.memoryLimit; then cgroupShare of the cgroup's
// memory limit (cgroupMax, 0 for none); then DefaultMemoryLimit.
func (s *Settings) MemoryLimit(getenv func(string) string, cgroupMax int64) (limit int64, source string) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, "GOMEMLIMIT"
	}
	switch m := s.Backend.MemoryLimit; {
	case m.Off:
		return 0, "backend.memoryLimit"
	case m.Bytes > 0:
		return m.Bytes, "backend.memoryLimit"
	case cgroupMax > 0:
		return int64(float64(cgroupMax) * cgroupShare), "cgroup memory limit"
	}
	return DefaultMemoryLimit, "default"
}

// CgroupMemoryMax reads this process's cgroup memory limit (v2
// memory.max, else v1 memory.limit_in_bytes), or 0 when there is none or
// it cannot be read.
func CgroupMemoryMax() int64 {
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<50 {
			return 0 // "max", or v1's page-rounded MaxInt64: no limit
		}
		return n
	}
	return 0
}
