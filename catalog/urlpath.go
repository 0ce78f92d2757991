package catalog

import (
	"fmt"
	"net/url"
	"strings"
)

// Path prefixes in backend.reading.allow confine reads to part of a host.
// Servers disagree on how they read a path: some decode %2e%2e or %2f
// before they resolve dot segments, some treat a backslash or "..;" as a
// separator, some decode twice. A path is checked the way the strictest and
// the loosest of them would read it: any dot segment, in any encoding, is
// refused outright, and the prefix must hold both for the path as sent and
// for the path fully decoded.

// maxDecodeRounds bounds repeated percent-decoding (%252e → %2e → .).
const maxDecodeRounds = 4

// checkURLPath refuses paths whose meaning depends on the server: dot
// segments in any spelling, control characters, and invalid escapes.
func checkURLPath(p *url.URL) error {
	if p.Opaque != "" {
		return fmt.Errorf("opaque URLs are not read")
	}
	s := p.EscapedPath()
	for range maxDecodeRounds {
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("path %q contains control characters", p.EscapedPath())
		}
		if hasDotSegment(s) {
			return fmt.Errorf("path %q contains a dot segment (.. or .); write the path without it", p.EscapedPath())
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return fmt.Errorf("path %q has an invalid escape", p.EscapedPath())
		}
		if d == s {
			return nil
		}
		s = d
	}
	return fmt.Errorf("path %q is encoded too many times", p.EscapedPath())
}

// hasDotSegment reports whether s has a "." or ".." segment, reading
// backslashes as separators and ignoring ";parameters" as Tomcat does.
func hasDotSegment(s string) bool {
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' }) {
		if i := strings.IndexByte(seg, ';'); i >= 0 {
			seg = seg[:i]
		}
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// pathWithin reports whether the path of p (already through checkURLPath)
// starts with prefix both as sent and fully decoded, so an encoded slash
// cannot make a path look inside the prefix to one reading and outside to
// another.
func pathWithin(p *url.URL, prefix string) bool {
	return strings.HasPrefix(canonicalEscapes(p.EscapedPath()), canonicalEscapes(prefix)) &&
		strings.HasPrefix(fullyDecoded(p.EscapedPath()), fullyDecoded(prefix))
}

// canonicalEscapes decodes escapes of characters that mean nothing in a
// path (letters, digits, -._~) and upper-cases the rest, so that /a%62c and
// /abc compare equal but /a%2Fb and /a/b do not.
func canonicalEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			b.WriteByte(s[i])
			continue
		}
		c := unhex(s[i+1])<<4 | unhex(s[i+2])
		if isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteString(strings.ToUpper(s[i : i+3]))
		}
		i += 2
	}
	return b.String()
}

func fullyDecoded(s string) string {
	for range maxDecodeRounds {
		d, err := url.PathUnescape(s)
		if err != nil || d == s {
			break
		}
		s = d
	}
	return strings.ReplaceAll(s, `\`, "/")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
