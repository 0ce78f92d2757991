package awss3

import (
	"testing"

	"github.com/porticohq/portico/catalog/store"
	"github.com/porticohq/portico/catalog/store/storetest"
)

// eachStore runs fn on a fresh SQLite store and, when PORTICO_TEST_PG_DSN
// is set, on a fresh PostgreSQL database dropped afterwards.
func eachStore(t *testing.T, fn func(t *testing.T, st *store.Store)) { storetest.Each(t, fn) }
