package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/porticohq/portico/catalog"
)

// mimeJSON is what Backstage (express res.json) answers with.
const mimeJSON = "application/json; charset=utf-8"

// errorBody is Backstage's error response: API clients written for
// Backstage read error.name and error.message.
type errorBody struct {
	Error    errorInfo    `json:"error"`
	Request  errorRequest `json:"request"`
	Response errorStatus  `json:"response"`
}

type errorInfo struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

type errorRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

type errorStatus struct {
	StatusCode int `json:"statusCode"`
}

// describeError decides, in one place, the status, the Backstage error name
// and the message a client sees for err. Internal errors get a generic
// message; their details go to the log only.
func describeError(err error) (status int, name, message string) {
	var ce *catalog.Error
	if errors.As(err, &ce) {
		switch ce.Code {
		case catalog.ENOTFOUND:
			return http.StatusNotFound, "NotFoundError", ce.Message
		case catalog.EINVALID:
			return http.StatusBadRequest, "InputError", ce.Message
		case catalog.ECONFLICT:
			return http.StatusConflict, "ConflictError", ce.Message
		case catalog.EUNAUTHORIZED:
			return http.StatusUnauthorized, "AuthenticationError", ce.Message
		}
		return http.StatusInternalServerError, "Error", "internal error"
	}
	if sc := echo.StatusCode(err); sc != 0 {
		msg := http.StatusText(sc)
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Message != "" {
			msg = he.Message
		}
		return sc, errorNameForStatus(sc), msg
	}
	return http.StatusInternalServerError, "Error", "internal error"
}

// errorNameForStatus names errors that did not come from the catalog
// (unknown routes, wrong methods, middleware) the way Backstage would.
func errorNameForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "InputError"
	case http.StatusUnauthorized:
		return "AuthenticationError"
	case http.StatusForbidden:
		return "NotAllowedError"
	case http.StatusNotFound:
		return "NotFoundError"
	case http.StatusConflict:
		return "ConflictError"
	case http.StatusNotImplemented:
		return "NotImplementedError"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailableError"
	}
	if status >= 400 && status < 500 {
		return "InputError"
	}
	return "Error"
}

// isAPIPath reports whether errors on path are answered as JSON.
func isAPIPath(path string) bool {
	return path == "/api" || strings.HasPrefix(path, "/api/")
}

// handleError is the echo HTTPErrorHandler: JSON in Backstage's shape for
// /api/*, an HTML page (Server.ErrorPage) for everything else. Internal
// errors are logged with the request; client errors are not.
func (s *Server) handleError(c *echo.Context, err error) {
	resp, _ := echo.UnwrapResponse(c.Response())
	if resp != nil && resp.Committed {
		s.log.Warn("error after response was written", "path", c.Request().URL.Path, "err", err)
		return
	}
	status, name, message := describeError(err)
	api := isAPIPath(c.Request().URL.Path)
	if api && status == http.StatusMethodNotAllowed {
		// Backstage's routers (express) know no 405: a method that no route
		// of a path serves is an unmatched route, answered as one.
		status, name, message = http.StatusNotFound, "NotFoundError", http.StatusText(http.StatusNotFound)
	}
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request().Method,
			"path", c.Request().URL.Path, "route", c.Path(), "err", err)
	}
	var werr error
	if api {
		werr = writeAPIError(c, status, name, message)
	} else {
		werr = s.ErrorPage(c, status, message)
	}
	if werr != nil {
		s.log.Warn("write error response", "path", c.Request().URL.Path, "err", werr)
	}
}

// writeAPIError writes Backstage's error JSON.
func writeAPIError(c *echo.Context, status int, name, message string) error {
	req := c.Request()
	body, err := json.Marshal(errorBody{
		Error:    errorInfo{Name: name, Message: message},
		Request:  errorRequest{Method: req.Method, URL: req.URL.RequestURI()},
		Response: errorStatus{StatusCode: status},
	})
	if err != nil {
		return fmt.Errorf("encode error body: %w", err)
	}
	if req.Method == http.MethodHead {
		return c.NoContent(status)
	}
	return WriteBody(c, status, mimeJSON, body)
}

// plainErrorPage is the default Server.ErrorPage until the views provide a
// styled one.
func plainErrorPage(c *echo.Context, status int, message string) error {
	text := strconv.Itoa(status) + " " + http.StatusText(status)
	if message != "" && message != http.StatusText(status) {
		text += ": " + message
	}
	return WriteBody(c, status, echo.MIMETextPlainCharsetUTF8, []byte(text+"\n"))
}

// WriteBody writes b with an explicit Content-Length, which keeps net/http
// from chunking the body (measurably faster for the large catalog bodies).
func WriteBody(c *echo.Context, status int, contentType string, b []byte) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	c.Response().WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(b)
	return err
}
