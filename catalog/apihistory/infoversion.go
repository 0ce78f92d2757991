package apihistory

import (
	"bufio"
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
	sc := bufio.NewScanner(bytes.NewReader(def))
	sc.Buffer(make([]byte, 0, 64<<10), len(def)+1)
	var block bytes.Buffer
	in := false
	for sc.Scan() {
		line := sc.Bytes()
		topLevel := len(line) > 0 && line[0] != ' ' && line[0] != '\t' && line[0] != '#'
		if in && topLevel {
			break
		}
		if !in && bytes.HasPrefix(line, []byte("info:")) {
			in = true
		}
		if in {
			block.Write(line)
			block.WriteByte('\n')
		}
	}
	if !in {
		return ""
	}
	var doc struct {
		Info struct {
			Version yaml.Node `yaml:"version"`
		} `yaml:"info"`
	}
	if yaml.Unmarshal(block.Bytes(), &doc) != nil {
		return ""
	}
	return doc.Info.Version.Value
}
