package apidocs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sampleCase is one call whose values a sample must carry exactly.
type sampleCase struct {
	header, query, body string
}

// wantArgs is what the call sends, with the secret placeholder read from the
// environment (API_TOKEN=s3cret).
func (sc sampleCase) call() *Call {
	u, _ := url.Parse("https://api.example.com/v1/items")
	q := u.Query()
	q.Set("filter", sc.query)
	q.Set("api_key", envRef("API_TOKEN"))
	u.RawQuery = q.Encode()
	return &Call{Method: "POST", URL: u, Body: sc.body, HasBody: true, Header: [][2]string{
		{"X-Trace", sc.header},
		{"Authorization", "Bearer " + envRef("API_TOKEN")},
	}}
}

type sent struct {
	Method, URL, Trace, Auth, Body string
}

func (sc sampleCase) want() sent {
	c := sc.call()
	u := strings.ReplaceAll(c.URL.String(), "%00API_TOKEN%00", secret)
	return sent{Method: "POST", URL: u, Trace: sc.header, Auth: "Bearer " + secret, Body: sc.body}
}

const secret = "s3cret"

// metachars are what shells, Go, Python and JavaScript give meaning to.
var metachars = []string{"$(", ")", "`", "'", `"`, `\`, "$", "${", "}", ";", "|", "&", "<", ">", "*", "?", "[", "]",
	"~", "#", "!", "%", " ", "\t", "\\n", "\\x41", "\\u0041", "{{", "%s", "é", "中", "\u2028", "\u2029", "😀", "</script>", "'\\''"}

func randomValue(r *rand.Rand, allowLineBreaks bool) string {
	var b strings.Builder
	for range r.IntN(12) {
		switch r.IntN(4) {
		case 0:
			b.WriteString(metachars[r.IntN(len(metachars))])
		case 1:
			if allowLineBreaks {
				b.WriteString([]string{"\n", "\r\n", "\x01", "\x7f"}[r.IntN(4)])
			}
		default:
			b.WriteByte(byte('a' + r.IntN(26)))
		}
	}
	return b.String()
}

func sampleCases() []sampleCase {
	r := rand.New(rand.NewPCG(7, 13))
	cases := []sampleCase{
		{header: "$(touch /tmp/pwned)", query: "`id`", body: `{"a": "$(id)"}`},
		{header: "'; rm -rf ~; echo '", query: "$HOME", body: "'\\''"},
	}
	for range 120 {
		cases = append(cases, sampleCase{header: randomValue(r, false), query: randomValue(r, true), body: randomValue(r, true)})
	}
	return cases
}

func need(t *testing.T, bin string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed", bin)
		}
		t.Skipf("%s is not installed", bin)
	}
	return p
}

// TestCurlSampleCarriesValuesExactly runs each curl sample through sh with
// printf in curl's place: the words the shell hands curl must be exactly the
// call's, and nothing else must run.
func TestCurlSampleCarriesValuesExactly(t *testing.T) {
	sh := need(t, "sh")
	for i, sc := range sampleCases() {
		code := curlSample(sc.call())
		script := "printf '%s\\0' " + strings.TrimPrefix(code, "curl ")
		cmd := exec.Command(sh, "-c", script)
		cmd.Env = []string{"API_TOKEN=" + secret, "PATH=/usr/bin:/bin"}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("case %d: sh: %v\n%s", i, err, code)
		}
		args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		w := sc.want()
		want := []string{"-i", "-X", w.Method, w.URL, "-H", "X-Trace: " + w.Trace, "-H", "Authorization: " + w.Auth, "--data-raw", w.Body}
		if strings.Join(args, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("case %d: words\n%q\nwant\n%q\nsample:\n%s", i, args, want, code)
		}
	}
}

// TestPythonAndJSSamplesCarryValuesExactly runs every sample in Python and
// Node with requests and fetch replaced by stubs that print what they are
// given.
func TestPythonAndJSSamplesCarryValuesExactly(t *testing.T) {
	cases := sampleCases()
	t.Run("python", func(t *testing.T) {
		py := need(t, "python3")
		dir := t.TempDir()
		stub := "import json, sys\nclass R:\n    status_code = 0\n    text = ''\ndef request(method, url, headers=None, data=None, allow_redirects=None):\n" +
			"    sys.stderr.write(json.dumps({'Method': method, 'URL': url, 'Trace': headers['X-Trace'], 'Auth': headers['Authorization'], 'Body': data}) + '\\n')\n    return R()\n"
		writeTestFile(t, filepath.Join(dir, "requests.py"), stub)
		var prog strings.Builder
		for _, sc := range cases {
			prog.WriteString(pythonSample(sc.call()))
		}
		writeTestFile(t, filepath.Join(dir, "samples.py"), prog.String())
		checkRuns(t, cases, exec.Command(py, filepath.Join(dir, "samples.py")), "PYTHONPATH="+dir)
	})
	t.Run("javascript", func(t *testing.T) {
		node := need(t, "node")
		var prog strings.Builder
		prog.WriteString("globalThis.fetch = async (u, o) => { process.stderr.write(JSON.stringify({Method: o.method, URL: u, Trace: o.headers['X-Trace'], Auth: o.headers['Authorization'], Body: o.body}) + '\\n'); return {status: 0, text: async () => ''}; };\nconsole.log = () => {};\n")
		for _, sc := range cases {
			prog.WriteString("{\n" + jsSample(sc.call()) + "}\n")
		}
		file := filepath.Join(t.TempDir(), "samples.mjs")
		writeTestFile(t, file, prog.String())
		checkRuns(t, cases, exec.Command(node, file))
	})
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkRuns runs cmd, whose stubs print one JSON line per sample on
// stderr, and compares each line with its case.
func checkRuns(t *testing.T, cases []sampleCase, cmd *exec.Cmd, env ...string) {
	t.Helper()
	cmd.Env = append([]string{"API_TOKEN=" + secret, "PATH=/usr/bin:/bin:/usr/local/bin"}, env...)
	var stderr bytes.Buffer
	cmd.Stderr, cmd.Stdout = &stderr, nil
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd.Path, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("%d calls printed, want %d:\n%s", len(lines), len(cases), stderr.String())
	}
	for i, line := range lines {
		var got sent
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("case %d: %v: %s", i, err, line)
		}
		if want := cases[i].want(); got != want {
			t.Fatalf("case %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

// TestGoSampleCarriesValuesExactly parses each Go sample and evaluates the
// request's arguments as Go would: string literals, concatenation and
// os.Getenv.
func TestGoSampleCarriesValuesExactly(t *testing.T) {
	for i, sc := range sampleCases() {
		code := goSample(sc.call())
		f, err := parser.ParseFile(token.NewFileSet(), "main.go", code, 0)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, code)
		}
		got := sent{}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch fn := exprString(call.Fun); fn {
			case "http.NewRequest":
				got.Method, got.URL = goValue(t, call.Args[0]), goValue(t, call.Args[1])
				got.Body = goValue(t, call.Args[2].(*ast.CallExpr).Args[0])
			case "req.Header.Set":
				switch goValue(t, call.Args[0]) {
				case "X-Trace":
					got.Trace = goValue(t, call.Args[1])
				case "Authorization":
					got.Auth = goValue(t, call.Args[1])
				}
			}
			return true
		})
		if want := sc.want(); got != want {
			t.Fatalf("case %d:\n got %+v\nwant %+v\n%s", i, got, want, code)
		}
	}
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	}
	return fmt.Sprintf("%T", e)
}

// goValue evaluates the expressions the Go sample uses.
func goValue(t *testing.T, e ast.Expr) string {
	t.Helper()
	switch x := e.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(x.Value)
		if err != nil {
			t.Fatalf("literal %s: %v", x.Value, err)
		}
		return s
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			t.Fatalf("operator %s in a sample", x.Op)
		}
		return goValue(t, x.X) + goValue(t, x.Y)
	case *ast.CallExpr:
		if exprString(x.Fun) == "os.Getenv" && goValue(t, x.Args[0]) == "API_TOKEN" {
			return secret
		}
	}
	t.Fatalf("unexpected expression %T in a sample", e)
	return ""
}

// Hardening finding 2: a header example (or an API-key scheme's name)
// written as $(command) became a double-quoted shell word that ran the
// command when the curl sample was pasted.
func TestCurlSampleRunsNothingFromADefinition(t *testing.T) {
	sh := need(t, "sh")
	marker := filepath.Join(t.TempDir(), "pwned")
	u, _ := url.Parse("https://api.example.com/v1/$(touch%20" + marker + ")")
	c := &Call{Method: "GET", URL: u, Header: [][2]string{
		{"X-Trace", "$(touch " + marker + ")"},
		{"X-Api-Key$(touch " + marker + ")", "`touch " + marker + "`"},
	}}
	code := curlSample(c)
	out, err := exec.Command(sh, "-c", "printf '%s\\n' "+strings.TrimPrefix(code, "curl ")).CombinedOutput()
	if err != nil {
		t.Fatalf("sh: %v\n%s", err, out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatalf("pasting the curl sample ran a command from the definition:\n%s", code)
	}
	if !strings.Contains(string(out), "X-Trace: $(touch "+marker+")") {
		t.Errorf("the header's value did not arrive literally:\n%s", out)
	}
}
