package catalog

import (
	"errors"
	"fmt"
	"strings"
)

// Problem is one thing wrong with input: it names where (file or URL, the
// document index within a multi-document file, the entity when known, the
// field) and why. Problems are data: they are stored, shown on pages and
// returned by the API, not only logged.
type Problem struct {
	File     string `json:"file,omitempty"`     // file path, URL or object key the entity came from
	Document int    `json:"document,omitempty"` // 1-based document index in the file; 0 when unknown
	Entity   string `json:"entity,omitempty"`   // entity ref when known
	Field    string `json:"field,omitempty"`    // dotted path, e.g. metadata.name
	Message  string `json:"message"`
}

// Error renders the problem on one line: "file: document 2: api:default/x: metadata.name: reason".
func (p Problem) Error() string {
	var parts []string
	if p.File != "" {
		parts = append(parts, p.File)
	}
	if p.Document > 0 {
		parts = append(parts, fmt.Sprintf("document %d", p.Document))
	}
	if p.Entity != "" {
		parts = append(parts, p.Entity)
	}
	if p.Field != "" {
		parts = append(parts, p.Field)
	}
	parts = append(parts, p.Message)
	return strings.Join(parts, ": ")
}

// Problems is a list of problems that is also an error.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Error codes, after benbjohnson/wtf: the HTTP layer maps each to a status
// and a message in one place.
const (
	ENOTFOUND     = "not_found"
	EINVALID      = "invalid"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EINTERNAL     = "internal"
)

// Error is an error with a code the edge can map to a status.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors without one.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrNotFound is returned by lookups that find nothing.
var ErrNotFound = &Error{Code: ENOTFOUND, Message: "entity not found"}
