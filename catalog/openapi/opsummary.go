package openapi

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// SummarizeOperations lists a definition's operations and webhooks as
// Summarize does, for the operation search index, which reads every API's
// definition and needs nothing else. A YAML definition is parsed without
// its other top-level sections (info, components, tags, ...): yaml.v3
// builds a node for every value before decoding, and the components of a
// typical definition are half its nodes, so the index build over 100,000
// APIs made half the garbage. Anything this shortcut cannot take as it is
// (JSON, which encoding/json skips through cheaply anyway; documents that
// are not a plain block mapping at the top; a section that does not parse
// alone, such as an alias to an anchor in a dropped section) goes through
// Summarize. A definition above limits.MaxBytes (zero: the default) is
// refused with ErrTooLarge, as Parse refuses it.
func SummarizeOperations(data []byte, limits Limits) (ops, webhooks []OperationSummary, err error) {
	if limits = limits.withDefaults(); int64(len(data)) > limits.MaxBytes {
		return nil, nil, fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, len(data), limits.MaxBytes)
	}
	if !IsJSON(data) {
		if part, ok := operationSections(data); ok {
			var raw struct {
				Swagger  string                 `yaml:"swagger"`
				OpenAPI  string                 `yaml:"openapi"`
				Paths    map[string]rawPathItem `yaml:"paths"`
				Webhooks map[string]rawPathItem `yaml:"webhooks"`
			}
			if yaml.Unmarshal(part, &raw) == nil && (raw.Swagger != "" || raw.OpenAPI != "") {
				// $refs are resolved against the whole document.
				if err := resolvePathRefs(data, raw.Paths); err != nil {
					return nil, nil, err
				}
				if len(raw.Webhooks) > 0 {
					if err := resolvePathRefs(data, raw.Webhooks); err != nil {
						return nil, nil, err
					}
					webhooks = summarizeOps(raw.Webhooks)
				}
				return summarizeOps(raw.Paths), webhooks, nil
			}
		}
	}
	sum, err := Summarize(data)
	if err != nil {
		return nil, nil, err
	}
	return sum.Operations, sum.Webhooks, nil
}

// operationSections returns the lines of a YAML document's top-level
// openapi, swagger, paths and webhooks sections, or false when the
// document's top level is not a plain block mapping this can split.
func operationSections(data []byte) ([]byte, bool) {
	out := make([]byte, 0, len(data)/2)
	keep := false
	for rest := data; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		switch c := line[0]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			// inside the current section
		case c == '#':
			continue
		default:
			key, ok := topLevelKey(line)
			if !ok {
				return nil, false
			}
			keep = key == "openapi" || key == "swagger" || key == "paths" || key == "webhooks"
		}
		if keep {
			out = append(out, line...)
		}
	}
	return out, true
}

// topLevelKey reads `key:` (plain or quoted, followed by a space or the
// end of the line) at the start of line.
func topLevelKey(line []byte) (string, bool) {
	var key []byte
	switch q := line[0]; q {
	case '"', '\'':
		end := bytes.IndexByte(line[1:], q)
		if end < 0 || bytes.ContainsAny(line[1:end+1], `\`) {
			return "", false
		}
		key, line = line[1:end+1], line[end+2:]
	default:
		n := 0
		for n < len(line) && isKeyByte(line[n]) {
			n++
		}
		key, line = line[:n], line[n:]
	}
	if len(key) == 0 || len(line) == 0 || line[0] != ':' {
		return "", false
	}
	if len(line) > 1 && line[1] != ' ' && line[1] != '\t' && line[1] != '\r' && line[1] != '\n' {
		return "", false
	}
	return string(key), true
}

func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '$' || c == '.' || c == '/'
}
