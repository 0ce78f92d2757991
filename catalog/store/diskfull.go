package store

import (
	"errors"
	"strings"

	"github.com/uptrace/bun/driver/pgdriver"
	"modernc.org/sqlite"

	"github.com/porticohq/portico/catalog"
)

// sqliteFull is SQLITE_FULL: the database file or its WAL could not grow.
const sqliteFull = 13

// pgDiskFull is PostgreSQL's SQLSTATE disk_full.
const pgDiskFull = "53100"

// isDiskFull reports whether err is the database saying it has no space.
func isDiskFull(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqliteFull {
		return true
	}
	var pe pgdriver.Error
	if errors.As(err, &pe) && pe.Field('C') == pgDiskFull {
		return true
	}
	return strings.Contains(strings.ToLower(err.Error()), "no space left on device")
}

// diskFullError says what a full disk means for the catalog: nothing stored
// is lost, reads keep working, and writes resume once there is space.
type diskFullError struct{ err error }

func (e diskFullError) Error() string {
	return "the catalog database's disk is full, so this change was not written; what is stored is still served, and writes resume on their own once space is freed (" + e.err.Error() + ")"
}

func (e diskFullError) Unwrap() []error { return []error{catalog.ErrStorageFull, e.err} }

// explainDiskFull wraps err in a diskFullError when it is one.
func explainDiskFull(err error) error {
	if err == nil || errors.Is(err, catalog.ErrStorageFull) || !isDiskFull(err) {
		return err
	}
	return diskFullError{err}
}
