package pages

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
	"go.yaml.in/yaml/v3"

	"github.com/porticohq/portico/views"
)

// entityYAML renders an entity's Raw YAML tab.
func (h *Handler) entityYAML(c *echo.Context) error {
	frame, e, err := h.EntityFrame(c, TabYAML)
	if err != nil {
		return h.entityError(c, err)
	}
	js, err := jsonOf(e)
	if err != nil {
		return err
	}
	text, err := jsonToYAML(js)
	if err != nil {
		return fmt.Errorf("render %s as YAML: %w", frame.Header.Ref, err)
	}
	p := h.Page(c, frame.Header.Title+" (YAML)", views.NavCatalog)
	return render(c, http.StatusOK, views.EntityYAMLPage(p, frame, text), nil)
}

// jsonToYAML turns a JSON document into block-style YAML, keeping the key
// order (YAML parses JSON, so the node tree keeps it) and writing
// multi-line strings (inline definitions) as literal blocks.
func jsonToYAML(js []byte) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(js, &doc); err != nil {
		return "", err
	}
	blockStyle(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// blockStyle drops JSON's flow and quoting styles from every node.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "\n") {
		n.Style = yaml.LiteralStyle
	}
	for _, child := range n.Content {
		blockStyle(child)
	}
}
