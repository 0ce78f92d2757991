package catalog

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// blockStart matches any line that starts a block scalar (literal or
// folded, with any indicators or a comment).
var blockStart = regexp.MustCompile(`(?:^\s*|:\s+|-\s+|---\s+)[|>][-+1-9]{0,2}\s*(?:#.*)?\r?$`)

// Large literal block scalars (`definition: |` followed by an inline OpenAPI
// document) dominate the cost of parsing descriptor files: the YAML scanner
// reads them one character at a time. liftBlockScalars cuts the simplest and
// commonest form out of the text before parsing — a key at indentation 0 or
// 2 whose value is `|` or `|-` with no indentation indicator — and leaves a
// token in its place; the decoded tree gets the text back. Anything less
// plain is left to the YAML parser, and any parse error re-parses the
// original text, so messages and results never depend on this shortcut.

// minLiftSize is the smallest block worth lifting.
const minLiftSize = 1024

// liftedBlocks maps tokens to the block scalar text they replaced.
type liftedBlocks struct {
	prefix string
	values []string
	used   []bool // which tokens restore found as a whole value
}

// complete reports whether every token came back as a whole scalar. A token
// that did not — because the line it replaced sat inside a multi-line quoted
// or plain scalar, so it was never a block — means the lifted text was read
// differently from the original, and the caller parses the original.
func (l *liftedBlocks) complete() bool {
	for i := range l.values {
		if i >= len(l.used) || !l.used[i] {
			return false
		}
	}
	return true
}

// liftBlockScalars returns data with large plain literal blocks replaced by
// tokens (line numbers are preserved), or nil when there is nothing to lift.
func liftBlockScalars(data []byte, prefix string) ([]byte, *liftedBlocks) {
	if !bytes.Contains(data, []byte(": |")) {
		return nil, nil
	}
	var (
		out    = getBuffer(&liftBuffers, max(4096, len(data)))
		lifted = &liftedBlocks{prefix: prefix}
		last   = 0 // data[last:] not yet copied to out
	)
	for pos := 0; pos < len(data); {
		lineEnd := indexNewline(data, pos)
		line := data[pos:lineEnd]
		header, chomp, ok := blockHeader(line)
		next := advance(data, lineEnd)
		if !ok {
			if bytes.IndexAny(line, "|>") >= 0 && blockStart.Match(line) {
				// Some other block scalar: its text is not YAML structure.
				pos = skipMoreIndented(data, next, leadingSpaces(line))
				continue
			}
			pos = next
			continue
		}
		parent := leadingSpaces(line)
		text, end, lines, fine := scanLiteral(data, next, parent, chomp)
		if !fine || len(text) < minLiftSize {
			pos = skipMoreIndented(data, next, parent)
			continue
		}
		token := prefix + strconv.Itoa(len(lifted.values))
		lifted.values = append(lifted.values, text)
		out = append(out, data[last:pos]...)
		out = append(out, header...)
		out = append(out, ' ')
		out = append(out, token...)
		for range lines + 1 {
			out = append(out, '\n')
		}
		last, pos = end, end
	}
	if len(lifted.values) == 0 {
		putBuffer(&liftBuffers, out)
		return nil, nil
	}
	out = append(out, data[last:]...)
	return out, lifted
}

// liftBuffers hold the lifted text of a descriptor while it is parsed:
// the parser copies what it keeps, so ParseYAML hands it back after.
var liftBuffers sync.Pool

// maxPooledBuffer bounds the buffers kept for reuse: a rare large file
// does not keep its buffer alive.
const maxPooledBuffer = 1 << 20

// getBuffer returns an empty buffer of at least capacity size, from pool
// when it has one that large.
func getBuffer(pool *sync.Pool, size int) []byte {
	if bp, ok := pool.Get().(*[]byte); ok && cap(*bp) >= size {
		return (*bp)[:0]
	}
	return make([]byte, 0, size)
}

// putBuffer hands b to pool for reuse; nothing may use it afterwards.
func putBuffer(pool *sync.Pool, b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledBuffer {
		return
	}
	b = b[:0]
	pool.Put(&b)
}

func indexNewline(data []byte, pos int) int {
	if i := bytes.IndexByte(data[pos:], '\n'); i >= 0 {
		return pos + i
	}
	return len(data)
}

func advance(data []byte, lineEnd int) int {
	if lineEnd < len(data) {
		return lineEnd + 1
	}
	return lineEnd
}

func leadingSpaces(line []byte) int {
	n := 0
	for n < len(line) && line[n] == ' ' {
		n++
	}
	return n
}

// blockHeader recognises `key: |` or `key: |-` at indentation 0 or 2, with
// a plain key; it returns the line up to and including the colon.
func blockHeader(line []byte) (header []byte, chomp byte, ok bool) {
	line = bytes.TrimRight(line, " \r")
	indent := leadingSpaces(line)
	if indent != 0 && indent != 2 {
		return nil, 0, false
	}
	switch {
	case bytes.HasSuffix(line, []byte(": |")):
		chomp = ' '
	case bytes.HasSuffix(line, []byte(": |-")):
		chomp = '-'
	default:
		return nil, 0, false
	}
	colon := bytes.LastIndex(line, []byte(": |"))
	key := line[indent:colon]
	if len(key) == 0 {
		return nil, 0, false
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '$') {
			return nil, 0, false
		}
	}
	return line[:colon+1], chomp, true
}

// scanLiteral reads the literal block starting at pos under a key indented
// by parent spaces. It returns the scalar's value, where the block ends,
// how many lines it spans, and whether it is plain enough to lift: the
// first line is not blank, indentation uses spaces only, and no line is
// indented between the key and the block (a YAML error the parser reports).
// The value is built in a pooled buffer and copied out once at its size.
func scanLiteral(data []byte, pos, parent int, chomp byte) (string, int, int, bool) {
	bp := literalBuffers.Get().(*[]byte)
	defer literalBuffers.Put(bp)
	var (
		b      = (*bp)[:0]
		indent = -1
		lines  = 0
		blanks = 0 // blank lines not yet written (trailing ones are chomped)
	)
	defer func() { *bp = b }()
	for pos < len(data) {
		lineEnd := indexNewline(data, pos)
		line := data[pos:lineEnd]
		if n := len(line); n > 0 && line[n-1] == '\r' && lineEnd < len(data) {
			// CRLF; a CR that ends the file stays, and plainText
			// leaves the block to the parser.
			line = line[:n-1]
		}
		spaces := leadingSpaces(line)
		blank := spaces == len(line)
		if !blank && line[spaces] == '\t' && (indent < 0 || spaces < indent) {
			return "", 0, 0, false
		}
		switch {
		case indent < 0:
			if blank || spaces <= parent {
				return "", 0, 0, false
			}
			indent = spaces
		case blank && spaces <= indent:
			blanks++
			lines++
			pos = advance(data, lineEnd)
			continue
		case !blank && spaces < indent:
			if spaces > parent {
				return "", 0, 0, false
			}
			return finishLiteral(b, chomp), pos, lines, true
		}
		if !plainText(line) {
			return "", 0, 0, false
		}
		// Content, or a blank line with whitespace beyond the indentation
		// (which is content too).
		for ; blanks > 0; blanks-- {
			b = append(b, '\n')
		}
		b = append(b, line[indent:]...)
		if lineEnd < len(data) {
			// The file's last line may end without a line break, and
			// then so does the scalar.
			b = append(b, '\n')
		}
		lines++
		pos = advance(data, lineEnd)
	}
	return finishLiteral(b, chomp), pos, lines, true
}

// plainText reports whether the YAML parser would read line as it is:
// valid UTF-8 of characters YAML allows in a document, and no line break
// other than the one that ends it (a lone CR, NEL, U+2028 and U+2029 break
// lines in YAML). Lines that are not plain are left to the parser, which
// refuses or splits them as it always did.
func plainText(line []byte) bool {
	for i := 0; i < len(line); {
		c := line[i]
		if c >= 0x20 && c < 0x7f || c == '\t' {
			i++
			continue
		}
		if c < 0x80 {
			return false // other control characters, and a lone CR
		}
		r, size := utf8.DecodeRune(line[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return false
		case r == 0x85 || r == 0x2028 || r == 0x2029:
			return false
		case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
		i += size
	}
	return true
}

// literalBuffers hold the text of a block scalar while it is scanned.
var literalBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func finishLiteral(b []byte, chomp byte) string {
	if chomp == '-' && len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// skipMoreIndented returns the position after the lines following a key
// that are indented deeper than it (its value), so text inside a block
// that was not lifted is never mistaken for a key.
func skipMoreIndented(data []byte, pos, parent int) int {
	for pos < len(data) {
		lineEnd := indexNewline(data, pos)
		line := data[pos:lineEnd]
		spaces := leadingSpaces(line)
		if spaces < len(line) && line[spaces] != '\r' && spaces <= parent {
			return pos
		}
		pos = advance(data, lineEnd)
	}
	return pos
}

// restore puts lifted text back in place of its token anywhere in v.
func (l *liftedBlocks) restore(v any) any {
	switch t := v.(type) {
	case string:
		if rest, ok := strings.CutPrefix(t, l.prefix); ok {
			if i, err := strconv.Atoi(rest); err == nil && i >= 0 && i < len(l.values) {
				if l.used == nil {
					l.used = make([]bool, len(l.values))
				}
				l.used[i] = true
				return l.values[i]
			}
		}
	case map[string]any:
		for k, item := range t {
			t[k] = l.restore(item)
		}
	case map[any]any:
		for k, item := range t {
			t[k] = l.restore(item)
		}
	case []any:
		for i, item := range t {
			t[i] = l.restore(item)
		}
	}
	return v
}
