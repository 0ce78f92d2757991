package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/porticohq/portico/catalog"
)

// A checkpoint a reader (or a full disk) stopped short used to wait for
// the next commit, which after a failed ingest may never come, and the WAL
// kept everything (issue 15: 55 MB after space was freed). It is retried
// on a timer, and an idle WAL above the limit is truncated.
func TestCheckpointIsRetriedWithoutACommit(t *testing.T) {
	old := walTruncateBytes
	walTruncateBytes = 256 << 10
	t.Cleanup(func() { walTruncateBytes = old })
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	s, err := Open(ctx, Config{Driver: "sqlite", DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// A reader holds a snapshot from before the mutation, so the
	// checkpoints after it cannot copy its pages.
	other, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	reader, err := other.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRowContext(ctx, "SELECT count(*) FROM entities").Scan(&n); err != nil {
		t.Fatal(err)
	}

	var m catalog.StoreMutation
	m.Type, m.Provider = catalog.Full, "p"
	for i := range 200 {
		m.Entities = append(m.Entities, testEntity("API", fmt.Sprintf("api-%03d", i), spec("definition", strings.Repeat("x", 8<<10))))
	}
	if _, err := s.Apply(ctx, m); err != nil {
		t.Fatal(err)
	}
	wal := path + "-wal"
	time.Sleep(2 * checkpointQuiet) // the checkpoint after the commit runs, and stops short
	if size := fileSize(t, wal); size < walTruncateBytes {
		t.Fatalf("WAL is %d bytes while a reader holds it; the test needs it above %d", size, walTruncateBytes)
	}
	if err := reader.Rollback(); err != nil {
		t.Fatal(err)
	}
	// No commit from here on: only the timer can checkpoint.
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, wal) > walTruncateBytes && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if size := fileSize(t, wal); size > walTruncateBytes {
		t.Fatalf("WAL still %d bytes 10 s after the reader ended, with no commit", size)
	}
	page, err := s.Query(ctx, catalog.Query{Limit: 1})
	if err != nil || page.TotalItems != 200 {
		t.Errorf("after the checkpoint: %d entities, err %v", page.TotalItems, err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}
