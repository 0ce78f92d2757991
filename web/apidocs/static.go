package apidocs

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v5"
)

// script opens deep-linked operations and copies code samples. The pages
// work without it.
//
//go:embed apidocs.js
var script []byte

func serveScript(c *echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	c.Response().Header().Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "text/javascript; charset=utf-8", script)
}
