package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/github"
	"golang.org/x/oauth2"
)

// githubClient talks to GitHub (or GitHub Enterprise): goth's provider
// builds the authorize URL and fetches the profile; the code exchange is
// done here with the same endpoints because goth's cannot send the PKCE
// verifier.
type githubClient struct {
	provider *github.Provider
	oauth    *oauth2.Config
	emailURL string
	http     *http.Client
}

// githubURLs returns the authorize, token, profile and emails endpoints;
// GitHub Enterprise serves them all from its own instance.
func githubURLs(enterprise string) (auth, token, profile, emails string) {
	if enterprise == "" {
		return github.AuthURL, github.TokenURL, github.ProfileURL, github.EmailURL
	}
	return enterprise + "/login/oauth/authorize", enterprise + "/login/oauth/access_token",
		enterprise + "/api/v3/user", enterprise + "/api/v3/user/emails"
}

func newGitHubClient(cfg *GitHubConfig, callbackURL string, hc *http.Client) *githubClient {
	authURL, tokenURL, profileURL, emailURL := githubURLs(cfg.EnterpriseInstanceURL)
	scopes := append([]string{"read:user", "user:email"}, cfg.AdditionalScopes...)
	p := github.NewCustomisedURL(cfg.ClientID, cfg.ClientSecret, callbackURL, authURL, tokenURL, profileURL, emailURL, scopes...)
	p.HTTPClient = hc
	return &githubClient{
		provider: p,
		oauth: &oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: callbackURL,
			Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL},
			Scopes:   scopes,
		},
		emailURL: emailURL,
		http:     hc,
	}
}

// authorizeURL is goth's authorize URL for state plus the PKCE S256
// challenge of verifier.
func (g *githubClient) authorizeURL(state, verifier string) (string, error) {
	sess, err := g.provider.BeginAuth(state)
	if err != nil {
		return "", fmt.Errorf("begin github auth: %w", err)
	}
	raw, err := sess.GetAuthURL()
	if err != nil {
		return "", fmt.Errorf("github auth url: %w", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse github auth url: %w", err)
	}
	q := u.Query()
	q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
	q.Set("code_challenge_method", "S256")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// errGitHub marks failures talking to GitHub (down, refused the code), as
// opposed to the user's own choices.
var errGitHub = errors.New("github")

// profile exchanges the code (sending the PKCE verifier) and reads the
// user's profile and verified emails.
func (g *githubClient) profile(ctx context.Context, code, verifier string) (Profile, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, g.http)
	tok, err := g.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Profile{}, fmt.Errorf("%w: exchange code: %w", errGitHub, err)
	}
	user, err := g.provider.FetchUser(&github.Session{AccessToken: tok.AccessToken})
	if err != nil && !errors.Is(err, github.ErrNoVerifiedGitHubPrimaryEmail) {
		return Profile{}, fmt.Errorf("%w: fetch user: %w", errGitHub, err)
	}
	return g.toProfile(ctx, user, tok.AccessToken), nil
}

func (g *githubClient) toProfile(ctx context.Context, user goth.User, token string) Profile {
	id, _ := strconv.ParseInt(user.UserID, 10, 64)
	p := Profile{Login: user.NickName, ID: id, Name: user.Name, AvatarURL: user.AvatarURL}
	// The emails endpoint needs the user:email scope; without it the
	// profile's public email is all there is.
	emails, err := g.emails(ctx, token)
	if err == nil && len(emails) > 0 {
		p.Email, p.Emails = emails[0], emails
	} else if user.Email != "" {
		p.Email, p.Emails = user.Email, []string{user.Email}
	}
	return p
}

// emails returns the verified addresses, primary first.
func (g *githubClient) emails(ctx context.Context, token string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.emailURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := g.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("github emails: status %d", resp.StatusCode)
	}
	var list []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&list); err != nil {
		return nil, fmt.Errorf("github emails: %w", err)
	}
	var primary, rest []string
	for _, e := range list {
		switch {
		case !e.Verified || !strings.Contains(e.Email, "@"):
		case e.Primary:
			primary = append(primary, e.Email)
		default:
			rest = append(rest, e.Email)
		}
	}
	return append(primary, rest...), nil
}
