package apidocs

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Sample is one code sample of a call.
type Sample struct {
	Lang  string // curl, go, python, javascript
	Label string
	Code  string
}

// Samples renders the call as curl, Go, Python and JavaScript (fetch).
// Everything that comes from a definition or a person — method, URL,
// header names and values, body — is a literal in the sample's language:
// single-quoted shell words, Go, Python and JavaScript string literals. The
// only thing a sample reads from elsewhere is the environment variable the
// portal put in place of a secret (envRef), so pasting a sample can never
// run code a definition wrote.
func Samples(c *Call) []Sample {
	return []Sample{
		{"curl", "curl", curlSample(c)},
		{"go", "Go", goSample(c)},
		{"python", "Python", pythonSample(c)},
		{"javascript", "JavaScript", jsSample(c)},
	}
}

// part is a piece of a sample value: literal text, or the name of an
// environment variable that stands for a secret.
type part struct {
	text string
	env  string
}

// splitValue cuts a header value at the placeholders envRef made.
func splitValue(s string) []part {
	var out []part
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], 0)
		if j < 0 {
			break
		}
		if i > 0 {
			out = append(out, part{text: s[:i]})
		}
		out = append(out, part{env: s[i+1 : i+1+j]})
		s = s[i+1+j+1:]
	}
	if s != "" || len(out) == 0 {
		out = append(out, part{text: s})
	}
	return out
}

// urlRef is an envRef once a URL's query encoding has escaped it.
var urlRef = regexp.MustCompile(`%00([A-Z0-9_]+)%00`)

// splitURL cuts a URL at the placeholders envRef put in its query.
func splitURL(s string) []part {
	var out []part
	last := 0
	for _, m := range urlRef.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > last {
			out = append(out, part{text: s[last:m[0]]})
		}
		out = append(out, part{env: s[m[2]:m[3]]})
		last = m[1]
	}
	if last < len(s) || len(out) == 0 {
		out = append(out, part{text: s[last:]})
	}
	return out
}

// shellQuote is one single-quoted shell word: nothing in it expands.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellWord is one shell word of literal text and "$NAME" references.
func shellWord(parts []part) string {
	var b strings.Builder
	for _, p := range parts {
		if p.env != "" {
			b.WriteString(`"$` + p.env + `"`)
		} else {
			b.WriteString(shellQuote(p.text))
		}
	}
	return b.String()
}

func curlSample(c *Call) string {
	var b strings.Builder
	b.WriteString("curl -i -X " + shellQuote(c.Method) + " " + shellWord(splitURL(c.URL.String())))
	for _, h := range c.Header {
		b.WriteString(" \\\n  -H " + shellWord(append([]part{{text: h[0] + ": "}}, splitValue(h[1])...)))
	}
	if c.HasBody {
		b.WriteString(" \\\n  --data-raw " + shellQuote(c.Body))
	}
	return b.String()
}

// expr joins parts into an expression of a language: quote makes a string
// literal, env an environment lookup.
func expr(parts []part, quote func(string) string, env func(string) string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.env != "" {
			out = append(out, env(p.env))
		} else {
			out = append(out, quote(p.text))
		}
	}
	return strings.Join(out, " + ")
}

func usesEnv(c *Call) bool {
	for _, h := range c.Header {
		if strings.IndexByte(h[1], 0) >= 0 {
			return true
		}
	}
	return urlRef.MatchString(c.URL.String())
}

func goSample(c *Call) string {
	q := func(s string) string { return strconv.Quote(s) }
	env := func(n string) string { return "os.Getenv(" + strconv.Quote(n) + ")" }
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n")
	if usesEnv(c) {
		b.WriteString("\t\"os\"\n")
	}
	if c.HasBody {
		b.WriteString("\t\"strings\"\n")
	}
	b.WriteString(")\n\nfunc main() {\n")
	body := "nil"
	if c.HasBody {
		body = "strings.NewReader(" + q(c.Body) + ")"
	}
	fmt.Fprintf(&b, "\treq, err := http.NewRequest(%s, %s, %s)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n",
		q(c.Method), expr(splitURL(c.URL.String()), q, env), body)
	for _, h := range c.Header {
		fmt.Fprintf(&b, "\treq.Header.Set(%s, %s)\n", q(h[0]), expr(splitValue(h[1]), q, env))
	}
	b.WriteString("\tresp, err := http.DefaultClient.Do(req)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tdefer resp.Body.Close()\n\tdata, _ := io.ReadAll(resp.Body)\n\tfmt.Println(resp.Status)\n\tfmt.Println(string(data))\n}\n")
	return b.String()
}

// jsonString is a string literal in JSON, and so in Python and JavaScript:
// every quote, backslash, control character and line separator escaped.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	// json.Marshal escapes <, > and & already; U+2028 and U+2029 too.
	return string(b)
}

func pythonSample(c *Call) string {
	env := func(n string) string { return "os.environ[" + jsonString(n) + "]" }
	var b strings.Builder
	if usesEnv(c) {
		b.WriteString("import os\n")
	}
	b.WriteString("import requests\n\n")
	b.WriteString("headers = {\n")
	for _, h := range c.Header {
		fmt.Fprintf(&b, "    %s: %s,\n", jsonString(h[0]), expr(splitValue(h[1]), jsonString, env))
	}
	b.WriteString("}\n")
	fmt.Fprintf(&b, "resp = requests.request(%s, %s, headers=headers", jsonString(c.Method), expr(splitURL(c.URL.String()), jsonString, env))
	if c.HasBody {
		fmt.Fprintf(&b, ", data=%s", jsonString(c.Body))
	}
	b.WriteString(", allow_redirects=False)\nprint(resp.status_code)\nprint(resp.text)\n")
	return b.String()
}

func jsSample(c *Call) string {
	env := func(n string) string { return "process.env[" + jsonString(n) + "]" }
	var b strings.Builder
	fmt.Fprintf(&b, "const resp = await fetch(%s, {\n  method: %s,\n  headers: {\n", expr(splitURL(c.URL.String()), jsonString, env), jsonString(c.Method))
	for _, h := range c.Header {
		fmt.Fprintf(&b, "    %s: %s,\n", jsonString(h[0]), expr(splitValue(h[1]), jsonString, env))
	}
	b.WriteString("  },\n")
	if c.HasBody {
		fmt.Fprintf(&b, "  body: %s,\n", jsonString(c.Body))
	}
	b.WriteString("  redirect: \"manual\",\n});\nconsole.log(resp.status);\nconsole.log(await resp.text());\n")
	return b.String()
}
