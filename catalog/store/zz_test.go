package store

import "testing"

func TestZZPragmas(t *testing.T) {
	s := openSQLiteT(t)
	for _, p := range []string{"page_size", "cache_size", "journal_mode", "synchronous", "foreign_keys", "busy_timeout", "wal_autocheckpoint"} {
		var v string
		if err := s.sql.QueryRow("PRAGMA " + p).Scan(&v); err != nil {
			t.Fatal(err)
		}
		t.Log(p, v)
	}
}
