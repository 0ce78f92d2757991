package auth

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
)

// cookieJar names, signs and encrypts Portico's cookies. Over HTTPS the
// names carry the __Host- prefix, which browsers accept only from a secure
// origin, for path /, without a Domain: no sibling subdomain can set them.
type cookieJar struct {
	secure  bool
	codec   *securecookie.SecureCookie
	csrfKey []byte
}

const (
	sessionCookieBase = "portico_session"
	stateCookieBase   = "portico_oauth"
	csrfCookieBase    = "portico_csrf"
	stateTTL          = 10 * time.Minute
)

func newCookieJar(secure bool, hashKey, blockKey []byte, maxAge time.Duration) (*cookieJar, error) {
	codec := securecookie.New(hashKey, blockKey)
	codec.SetSerializer(securecookie.JSONEncoder{})
	codec.MaxAge(int(maxAge.Seconds()))
	codec.MaxLength(4000)
	csrfKey, err := hkdf.Key(sha256.New, hashKey, nil, "portico csrf key", 32)
	if err != nil {
		return nil, fmt.Errorf("derive csrf key: %w", err)
	}
	return &cookieJar{secure: secure, codec: codec, csrfKey: csrfKey}, nil
}

func (j *cookieJar) name(base string) string {
	if j.secure {
		return "__Host-" + base
	}
	return base
}

// set writes an encrypted cookie; maxAge 0 makes a browser-session cookie.
func (j *cookieJar) set(w http.ResponseWriter, base string, value any, maxAge time.Duration) error {
	name := j.name(base)
	enc, err := j.codec.Encode(name, value)
	if err != nil {
		return fmt.Errorf("encode cookie %s: %w", name, err)
	}
	http.SetCookie(w, j.cookie(name, enc, int(maxAge.Seconds())))
	return nil
}

// get decodes an encrypted cookie; a missing, forged or expired one is an
// error.
func (j *cookieJar) get(r *http.Request, base string, dst any) error {
	name := j.name(base)
	c, err := r.Cookie(name)
	if err != nil {
		return err
	}
	return j.codec.Decode(name, c.Value, dst)
}

func (j *cookieJar) clear(w http.ResponseWriter, base string) {
	http.SetCookie(w, j.cookie(j.name(base), "", -1))
}

func (j *cookieJar) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: j.secure, SameSite: http.SameSiteLaxMode,
	}
}

// csrfToken binds a token to a secret the browser holds in an HttpOnly
// cookie (the session id, or a random value before sign-in). Another site
// can neither read the cookie nor compute the token without the key.
func (j *cookieJar) csrfToken(secret string) string {
	m := hmac.New(sha256.New, j.csrfKey)
	m.Write([]byte("csrf|" + secret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (j *cookieJar) csrfValid(secret, token string) bool {
	if secret == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(j.csrfToken(secret)), []byte(token))
}
