package apidocs

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// alertKinds are GitHub's alert markers and their titles.
var alertKinds = map[string]string{
	"NOTE": "Note", "TIP": "Tip", "IMPORTANT": "Important", "WARNING": "Warning", "CAUTION": "Caution",
}

// alerts turns GitHub's alert blockquotes (a blockquote whose first line
// is "[!NOTE]", "[!TIP]", "[!IMPORTANT]", "[!WARNING]" or "[!CAUTION]")
// into a titled callout, as GitHub renders them: GitHub does it after
// parsing too, on the tree, which is what this transformer does. The
// marker must stand alone on the first line; anything else stays a quote.
type alerts struct{}

func (alerts) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var found []*ast.Blockquote
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if q, ok := n.(*ast.Blockquote); ok && entering {
			found = append(found, q)
		}
		return ast.WalkContinue, nil
	})
	for _, q := range found {
		para, ok := q.FirstChild().(*ast.Paragraph)
		if !ok || para.Lines().Len() == 0 {
			continue
		}
		first := para.Lines().At(0)
		marker := strings.TrimSpace(string(first.Value(src)))
		if !strings.HasPrefix(marker, "[!") || !strings.HasSuffix(marker, "]") {
			continue
		}
		kind := strings.ToUpper(marker[2 : len(marker)-1])
		title, ok := alertKinds[kind]
		if !ok {
			continue
		}
		// Drop the marker line's inline nodes (the text, the soft break).
		for c := para.FirstChild(); c != nil; {
			next := c.NextSibling()
			seg, isText := c.(*ast.Text)
			if !isText || seg.Segment.Start >= first.Stop {
				break
			}
			para.RemoveChild(para, c)
			c = next
		}
		if para.ChildCount() == 0 {
			q.RemoveChild(q, para)
		}
		heading := ast.NewParagraph()
		heading.SetAttributeString("class", []byte("markdown-alert-title"))
		heading.AppendChild(heading, ast.NewString([]byte(title)))
		q.InsertBefore(q, q.FirstChild(), heading)
		q.SetAttributeString("class", []byte("markdown-alert markdown-alert-"+strings.ToLower(kind)))
	}
}

var _ parser.ASTTransformer = alerts{}

// alertExtension adds the transformer to a goldmark parser.
func alertTransformer() parser.Option {
	return parser.WithASTTransformers(util.Prioritized(alerts{}, 500))
}
