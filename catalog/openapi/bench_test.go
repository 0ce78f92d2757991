package openapi

import (
	"context"
	"errors"
	"testing"
)

// BenchmarkHostileDefinitions measures how long a caller waits for a
// hostile definition: 50 MB (refused by size) and a cyclic one (loaded,
// then its operations built with cycle markers). Both must stay far
// below the 2 s bound a page waits.
func BenchmarkHostileDefinitions(b *testing.B) {
	big := bigSpec(50 << 20)
	b.Run("50MB", func(b *testing.B) {
		for b.Loop() {
			c := NewCache(CacheOptions{})
			if _, err := c.Definition(context.Background(), "big", big, nil); !errors.Is(err, ErrTooLarge) {
				b.Fatal(err)
			}
		}
	})
	cyclic := readTestdata(b, "cyclic.yaml")
	b.Run("cyclic", func(b *testing.B) {
		for b.Loop() {
			c := NewCache(CacheOptions{})
			def, err := c.Definition(context.Background(), Hash(cyclic), cyclic, nil)
			if err != nil {
				b.Fatal(err)
			}
			for _, k := range def.Keys() {
				def.Operation(k)
			}
		}
	})
}
