package apidocs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	av "github.com/porticohq/portico/views/apidocs"
)

// shownBytes is how much of a text body the panel shows and highlights;
// beyond it the body is offered as a download.
const shownBytes = 256 << 10

// resultView is the response panel of a call. The body is only ever text
// on the page: JSON is split into tokens that the template escapes and
// wraps in spans with a class, and a binary or large body is offered as a
// data: URL typed application/octet-stream, which a browser downloads and
// never renders.
func resultView(key string, res Result) av.ResultView {
	v := av.ResultView{
		Key: key, Status: res.Status, StatusText: res.StatusText, Duration: res.Duration.Round(time.Millisecond).String(),
		Size: byteSize(len(res.Raw)), Headers: res.Headers, Body: res.Body, Truncated: res.Truncated, Error: res.Error,
	}
	if res.Error != "" {
		return v
	}
	if res.Truncated {
		v.Size += " (cut)"
	}
	switch {
	case isBinary(res.ContentType, res.Raw):
		v.Binary, v.Body = true, ""
	case len(v.Body) > shownBytes:
		v.Shown = cutUTF8(v.Body, shownBytes)
	case isJSONText(res.ContentType, res.Raw):
		v.Tokens = highlightJSON(v.Body)
	}
	if v.Binary || v.Shown != "" {
		v.Download = "data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(res.Raw)
		v.DownloadName = "response" + extension(res.ContentType, v.Binary)
	}
	return v
}

func byteSize(n int) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
}

func mediaType(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	return strings.ToLower(mt)
}

func isJSONText(contentType string, data []byte) bool {
	mt := mediaType(contentType)
	return (mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "") && json.Valid(data)
}

// isBinary reports a body that is not text: a type that is not text-like,
// or bytes that are not UTF-8 or hold NULs.
func isBinary(contentType string, data []byte) bool {
	mt := mediaType(contentType)
	textual := mt == "" || strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") ||
		strings.HasSuffix(mt, "/json") || strings.HasSuffix(mt, "/xml") || strings.Contains(mt, "javascript") ||
		strings.Contains(mt, "yaml") || mt == "application/x-www-form-urlencoded" || mt == "application/graphql-response+json"
	return !textual || !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0
}

func extension(contentType string, binary bool) string {
	mt := mediaType(contentType)
	switch {
	case strings.HasSuffix(mt, "json"):
		return ".json"
	case strings.HasSuffix(mt, "xml"):
		return ".xml"
	case !binary:
		return ".txt"
	}
	return ".bin"
}

func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// highlightJSON splits valid JSON text into tokens: keys, strings,
// numbers, literals (true, false, null) and punctuation get a class;
// white space stays plain. The text is only split, never changed, so the
// tokens joined are the input.
func highlightJSON(s string) []av.Token {
	out := []av.Token{}
	plain := func(t string) {
		if n := len(out); n > 0 && out[n-1].Class == "" {
			out[n-1].Text += t
			return
		}
		out = append(out, av.Token{Text: t})
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			class := "tok-str"
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\n' || s[k] == '\t' || s[k] == '\r') {
				k++
			}
			if k < len(s) && s[k] == ':' {
				class = "tok-key"
			}
			out = append(out, av.Token{Class: class, Text: s[i:j]})
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && strings.IndexByte("0123456789.eE+-", s[j]) >= 0 {
				j++
			}
			out = append(out, av.Token{Class: "tok-num", Text: s[i:j]})
			i = j
		case c == 't' || c == 'f' || c == 'n':
			j := i
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			out = append(out, av.Token{Class: "tok-lit", Text: s[i:j]})
			i = j
		case strings.IndexByte("{}[],:", c) >= 0:
			out = append(out, av.Token{Class: "tok-punct", Text: s[i : i+1]})
			i++
		default:
			j := i + 1
			for j < len(s) && strings.IndexByte("\"-0123456789tfn{}[],:", s[j]) < 0 {
				j++
			}
			plain(s[i:j])
			i = j
		}
	}
	return out
}
