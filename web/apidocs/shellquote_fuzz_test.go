package apidocs

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzShellQuote checks the curl sample's quoting with a POSIX reader
// (readShell): for any text without NUL, shellQuote's word reads back as
// exactly that text; shellWord's word, with the portal's placeholder for a
// secret in the middle, reads back as the text around "$NAME" for exactly
// the variable the portal names; and a whole curl sample whose method,
// URL, header and body carry the text reads back as curl's argv. Nothing
// in these words is outside single quotes but the backslash-quote that
// joins two quoted runs and the "$NAME" placeholders. Seeds are below and
// in testdata/fuzz; CI runs it for a few seconds (scripts/test.sh).
func FuzzShellQuote(f *testing.F) {
	for _, seed := range [][2]string{
		{"", "key"},
		{"plain", "api_key"},
		{"it's", "X-Api-Key"},
		{`'\''`, "bearer"},
		{"$(touch /tmp/x) `id` ${HOME} $HOME \\ \" ' \n \t !#&;|<>*?[]~%", "Auth$(id)"},
		{"\u2028\u2029é中😀\x7f\x01", "ключ"},
		{"''''", ""},
		{"a'b", "1key"},
		{"%00API_TOKEN%00", "_"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, text, scheme string) {
		if strings.ContainsRune(text, 0) {
			return // NUL delimits placeholders; Build refuses it in everything it is given
		}
		word := shellQuote(text)
		checkWord(t, word, []shellPart{{text: text}})

		name := envName(scheme)
		half := len(text) / 2
		word = shellWord(splitValue(text[:half] + envRef(name) + text[half:]))
		checkWord(t, word, joinParts([]shellPart{{text: text[:half]}, {env: name}, {text: text[half:]}}))

		checkCurl(t, text, name)
	})
}

// checkWord reads word strictly (no bare characters) and compares.
func checkWord(t *testing.T, word string, want []shellPart) {
	t.Helper()
	words, err := readShell(word, false)
	if err != nil {
		t.Fatalf("word %q: %v", word, err)
	}
	if len(words) != 1 {
		t.Fatalf("word %q reads as %d words", word, len(words))
	}
	if !slices.Equal(want, words[0]) {
		t.Fatalf("word %q reads back differently (-want +got):\n%s", word, cmp.Diff(want, words[0], cmp.AllowUnexported(shellPart{})))
	}
}

// checkCurl builds a curl sample whose every part carries text and reads
// it back as argv.
func checkCurl(t *testing.T, text, name string) {
	t.Helper()
	u, err := url.Parse("https://api.example.com/v1/" + url.PathEscape(text))
	if err != nil {
		t.Fatalf("parse URL: %v", err)
	}
	q := url.Values{"q": {text}, "api_key": {envRef(name)}}
	u.RawQuery = q.Encode()
	c := &Call{Method: text, URL: u, Body: text, HasBody: true,
		Header: [][2]string{{"X-Trace", text + envRef(name)}, {"X-" + text, text}}}
	code := curlSample(c)
	words, err := readShell(code, true)
	if err != nil {
		t.Fatalf("curl sample: %v\n%s", err, code)
	}
	plainURL := strings.ReplaceAll(u.String(), "%00"+name+"%00", "\x00")
	urlParts := []shellPart{}
	for i, piece := range strings.Split(plainURL, "\x00") {
		if i > 0 {
			urlParts = append(urlParts, shellPart{env: name})
		}
		urlParts = append(urlParts, shellPart{text: piece})
	}
	want := [][]shellPart{
		{{text: "curl"}}, {{text: "-i"}}, {{text: "-X"}}, {{text: text}}, joinParts(urlParts),
		{{text: "-H"}}, joinParts([]shellPart{{text: "X-Trace: " + text}, {env: name}}),
		{{text: "-H"}}, {{text: "X-" + text + ": " + text}},
		{{text: "--data-raw"}}, {{text: text}},
	}
	if !slices.EqualFunc(want, words, slices.Equal) {
		t.Fatalf("curl sample reads back differently (-want +got):\n%s\n%s", cmp.Diff(want, words, cmp.AllowUnexported(shellPart{})), code)
	}
}

// shellPart is a piece of a word as sh reads it: literal text, or the
// value of the variable env.
type shellPart struct {
	text string
	env  string
}

// joinParts merges adjacent literal parts and drops empty ones, as
// reading a word gives them; a word of nothing is one empty literal.
func joinParts(parts []shellPart) []shellPart {
	var out []shellPart
	for _, p := range parts {
		switch {
		case p.env == "" && p.text == "":
		case p.env == "" && len(out) > 0 && out[len(out)-1].env == "":
			out[len(out)-1].text += p.text
		default:
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = []shellPart{{}}
	}
	return out
}

// readShell reads a command line as a POSIX shell reads the subset the
// samples may use, and refuses anything else: words separated by spaces
// and backslash-newlines, each made of '…' (literal up to the next '),
// \' (a quote), and "$NAME" (the value of NAME, a whole variable name).
// With bare, characters that mean nothing to sh ([A-Za-z0-9_.-]) may also
// stand unquoted (curl's flags). Anything else outside single quotes is an
// error: the shell would give it meaning.
func readShell(cmd string, bare bool) ([][]shellPart, error) {
	var words [][]shellPart
	var word []shellPart
	inWord := false
	lit := func(s string) { word = append(word, shellPart{text: s}); inWord = true }
	end := func() {
		if inWord {
			words = append(words, joinParts(word))
		}
		word, inWord = nil, false
	}
	for i := 0; i < len(cmd); {
		switch c := cmd[i]; {
		case c == ' ':
			end()
			i++
		case strings.HasPrefix(cmd[i:], "\\\n"):
			end()
			i += 2
		case strings.HasPrefix(cmd[i:], `\'`):
			lit("'")
			i += 2
		case c == '\'':
			j := strings.IndexByte(cmd[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote at %d", i)
			}
			lit(cmd[i+1 : i+1+j])
			i += j + 2
		case c == '"':
			name, n, err := readVariable(cmd[i:])
			if err != nil {
				return nil, fmt.Errorf("at %d: %w", i, err)
			}
			word, inWord = append(word, shellPart{env: name}), true
			i += n
		case bare && isBare(c):
			lit(string(c))
			i++
		default:
			return nil, fmt.Errorf("%q outside single quotes at %d", c, i)
		}
	}
	end()
	return words, nil
}

// readVariable reads "$NAME" at the start of s: the only double-quoted
// text allowed. sh takes the longest [A-Za-z_][A-Za-z0-9_]* after $, or a
// single digit (a positional parameter), or a special parameter; anything
// left before the closing quote would be text, with meaning in sh.
func readVariable(s string) (name string, n int, err error) {
	if !strings.HasPrefix(s, `"$`) {
		return "", 0, fmt.Errorf("double quotes around something else than a variable: %.20q", s)
	}
	i := 2
	if i < len(s) && (s[i] == '_' || isLetter(s[i])) {
		for i < len(s) && (s[i] == '_' || isLetter(s[i]) || isDigit(s[i])) {
			i++
		}
	}
	switch {
	case i == 2 && len(s) > 2 && isDigit(s[2]):
		return "", 0, fmt.Errorf("$%c is a positional parameter in %.20q", s[2], s)
	case i == 2:
		return "", 0, fmt.Errorf("$ not followed by a variable name in %.20q", s)
	}
	if i >= len(s) || s[i] != '"' {
		return "", 0, fmt.Errorf("text after $%s inside double quotes: %.20q", s[2:i], s)
	}
	return s[2:i], i + 1, nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isBare(c byte) bool   { return isLetter(c) || isDigit(c) || c == '_' || c == '.' || c == '-' }
