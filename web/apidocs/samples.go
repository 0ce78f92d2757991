package apidocs

import (
	"encoding/json"
	"fmt"
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
func Samples(c *Call) []Sample {
	return []Sample{
		{"curl", "curl", curlSample(c)},
		{"go", "Go", goSample(c)},
		{"python", "Python", pythonSample(c)},
		{"javascript", "JavaScript", jsSample(c)},
	}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellValue quotes s but leaves $VARS placeholders expandable.
func shellValue(s string) string {
	if strings.Contains(s, "$") {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`").Replace(s) + `"`
	}
	return shellQuote(s)
}

func curlSample(c *Call) string {
	var b strings.Builder
	b.WriteString("curl -i -X " + c.Method + " " + shellValue(c.URL.String()))
	for _, h := range c.Header {
		b.WriteString(" \\\n  -H " + shellValue(h[0]+": "+h[1]))
	}
	if c.HasBody {
		b.WriteString(" \\\n  --data-raw " + shellQuote(c.Body))
	}
	return b.String()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func goSample(c *Call) string {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n")
	if c.HasBody {
		b.WriteString("\t\"strings\"\n")
	}
	b.WriteString(")\n\nfunc main() {\n")
	body := "nil"
	if c.HasBody {
		body = "strings.NewReader(" + strconv.Quote(c.Body) + ")"
	}
	fmt.Fprintf(&b, "\treq, err := http.NewRequest(%q, %q, %s)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n", c.Method, c.URL.String(), body)
	for _, h := range c.Header {
		fmt.Fprintf(&b, "\treq.Header.Set(%q, %q)\n", h[0], h[1])
	}
	b.WriteString("\tresp, err := http.DefaultClient.Do(req)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tdefer resp.Body.Close()\n\tdata, _ := io.ReadAll(resp.Body)\n\tfmt.Println(resp.Status)\n\tfmt.Println(string(data))\n}\n")
	return b.String()
}

func pythonSample(c *Call) string {
	var b strings.Builder
	b.WriteString("import requests\n\n")
	b.WriteString("headers = {\n")
	for _, h := range c.Header {
		fmt.Fprintf(&b, "    %s: %s,\n", jsonString(h[0]), jsonString(h[1]))
	}
	b.WriteString("}\n")
	fmt.Fprintf(&b, "resp = requests.request(%s, %s, headers=headers", jsonString(c.Method), jsonString(c.URL.String()))
	if c.HasBody {
		fmt.Fprintf(&b, ", data=%s", jsonString(c.Body))
	}
	b.WriteString(", allow_redirects=False)\nprint(resp.status_code)\nprint(resp.text)\n")
	return b.String()
}

func jsSample(c *Call) string {
	var b strings.Builder
	fmt.Fprintf(&b, "const resp = await fetch(%s, {\n  method: %s,\n  headers: {\n", jsonString(c.URL.String()), jsonString(c.Method))
	for _, h := range c.Header {
		fmt.Fprintf(&b, "    %s: %s,\n", jsonString(h[0]), jsonString(h[1]))
	}
	b.WriteString("  },\n")
	if c.HasBody {
		fmt.Fprintf(&b, "  body: %s,\n", jsonString(c.Body))
	}
	b.WriteString("  redirect: \"manual\",\n});\nconsole.log(resp.status);\nconsole.log(await resp.text());\n")
	return b.String()
}
