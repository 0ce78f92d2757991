package apihistory

import (
	"bytes"
	"encoding/json"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// infoVersion reads info.version from an OpenAPI or AsyncAPI definition
// ("" when it has none) without parsing all of it: a full YAML parse of
// each new definition tripled the cost of recording a cold ingest. JSON
// is read token by token up to the info object; YAML is scanned for the
// top-level info block, and only that block is parsed.
func infoVersion(def []byte) string {
	trimmed := bytes.TrimLeft(def, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return jsonInfoVersion(trimmed)
	}
	return yamlInfoVersion(def)
}

func jsonInfoVersion(def []byte) string {
	dec := json.NewDecoder(bytes.NewReader(def))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		if key, _ := t.(string); key == "info" {
			var info struct {
				Version any `json:"version"`
			}
			if dec.Decode(&info) != nil || info.Version == nil {
				return ""
			}
			return fmt.Sprint(info.Version)
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

func yamlInfoVersion(def []byte) string {
	block, child, ok := yamlInfoBlock(def)
	if !ok {
		return ""
	}
	if v, ok := plainVersion(block, child); ok {
		return v
	}
	var doc struct {
		Info struct {
			Version yaml.Node `yaml:"version"`
		} `yaml:"info"`
	}
	if yaml.Unmarshal(block, &doc) != nil {
		return ""
	}
	return doc.Info.Version.Value
}

// yamlInfoBlock returns the top-level info block of a YAML document (from
// its "info:" line up to the next top-level line) and the indentation of
// its first child line (0 when info is not a block mapping).
func yamlInfoBlock(def []byte) (block []byte, child int, ok bool) {
	start := -1
	for off := 0; off < len(def); {
		line, next := lineAt(def, off)
		topLevel := len(line) > 0 && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '\r'
		switch {
		case start < 0 && bytes.HasPrefix(line, []byte("info:")):
			start = off
		case start >= 0 && topLevel:
			return def[start:off], child, true
		case start >= 0 && child == 0:
			if trimmed := bytes.TrimLeft(line, " "); len(trimmed) > 0 && trimmed[0] != '#' && trimmed[0] != '\r' {
				child = len(line) - len(trimmed)
			}
		}
		off = next
	}
	return def[max(start, 0):], child, start >= 0
}

// lineAt returns the line starting at off, without its newline, and the
// offset of the next line.
func lineAt(b []byte, off int) ([]byte, int) {
	if i := bytes.IndexByte(b[off:], '\n'); i >= 0 {
		return b[off : off+i], off + i + 1
	}
	return b[off:], len(b)
}

// plainVersion reads "version: X" among the info block's direct children
// (indented child spaces) when X is a plain or simply quoted scalar, the
// form nearly every definition uses; anything else (flow mappings,
// anchors, escapes, block scalars) is left to the YAML parser (ok false).
func plainVersion(block []byte, child int) (string, bool) {
	if child == 0 {
		return "", false
	}
	_, off := lineAt(block, 0) // the info: line itself
	for off < len(block) {
		line, next := lineAt(block, off)
		off = next
		line = bytes.TrimRight(line, "\r")
		indent := len(line) - len(bytes.TrimLeft(line, " "))
		if indent != child || !bytes.HasPrefix(line[indent:], []byte("version:")) {
			continue
		}
		v := line[indent+len("version:"):]
		if len(v) > 0 && v[0] != ' ' {
			return "", false
		}
		if i := bytes.Index(v, []byte(" #")); i >= 0 {
			v = v[:i]
		}
		v = bytes.Trim(v, " ")
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			inner := v[1 : len(v)-1]
			if bytes.ContainsAny(inner, "\"'\\") {
				return "", false
			}
			return string(inner), true
		}
		if len(v) == 0 || !plainSafe(v) {
			return "", false
		}
		return string(v), true
	}
	return "", false // no plain version line: let the parser decide
}

// plainSafe reports whether v is a plain scalar whose text is its value.
func plainSafe(v []byte) bool {
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '-', c == '_', c == '+':
		default:
			return false
		}
	}
	return v[0] != '-' || len(v) > 1 && v[1] != ' '
}
