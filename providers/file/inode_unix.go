//go:build unix

package file

import (
	"os"
	"syscall"
)

// inodeOf is the file's inode number: a file replaced by another of the
// same size and time (a release directory swapped in by a link) differs
// in it.
func inodeOf(info os.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
