package openapi

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSummaryReadsOAuthFlowsAndScopes(t *testing.T) {
	oas3 := `openapi: 3.0.3
info: {title: T, version: "1"}
paths: {}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://auth.example/authorize
          tokenUrl: https://auth.example/token
          scopes: {write: modify things, read: read things}
        clientCredentials:
          tokenUrl: https://auth.example/token
          scopes: {}
`
	swagger := `swagger: "2.0"
info: {title: T, version: "1"}
paths: {}
securityDefinitions:
  oauth:
    type: oauth2
    flow: application
    tokenUrl: https://auth.example/token
    scopes: {read: read things}
`
	for _, tc := range []struct {
		name, doc string
		want      []OAuthFlow
	}{
		{"openapi 3", oas3, []OAuthFlow{
			{Type: "clientCredentials", TokenURL: "https://auth.example/token"},
			{Type: "authorizationCode", AuthorizationURL: "https://auth.example/authorize", TokenURL: "https://auth.example/token",
				Scopes: []Scope{{"read", "read things"}, {"write", "modify things"}}},
		}},
		{"swagger 2 application is client credentials", swagger, []OAuthFlow{
			{Type: "clientCredentials", TokenURL: "https://auth.example/token", Scopes: []Scope{{"read", "read things"}}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Summarize([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.SecuritySchemes) != 1 {
				t.Fatalf("schemes %+v", s.SecuritySchemes)
			}
			if d := cmp.Diff(tc.want, s.SecuritySchemes[0].Flows); d != "" {
				t.Errorf("flows (-want +got):\n%s", d)
			}
		})
	}
}
