package auth

import (
	"context"
	"html"
	"io"

	"github.com/a-h/templ"
)

func textComponent(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "<p id=\"body\">"+html.EscapeString(s)+"</p>")
		return err
	})
}
