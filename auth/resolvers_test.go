package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestResolvers(t *testing.T) {
	st := openStore(t, false)
	loadCatalog(t, st)
	users := StoreLookup{Store: st}
	jdoe := Identity{UserRef: "user:default/jdoe", OwnershipRefs: []string{"user:default/jdoe", "group:default/team-a"}, Name: "Jane Doe"}
	tests := []struct {
		name      string
		resolvers []ResolverConfig
		profile   Profile
		want      Identity
		wantErr   []string // substrings of the error; nil means success
	}{
		{name: "usernameMatchingUserEntityName/OK", resolvers: rc("usernameMatchingUserEntityName"),
			profile: Profile{Login: "jdoe", ID: 1001}, want: jdoe},
		{name: "usernameMatchingUserEntityName/case-insensitive login", resolvers: rc("usernameMatchingUserEntityName"),
			profile: Profile{Login: "JDoe", ID: 1001}, want: jdoe},
		{name: "usernameMatchingUserEntityName/NoUser", resolvers: rc("usernameMatchingUserEntityName"),
			profile: Profile{Login: "stranger", ID: 5},
			wantErr: []string{`GitHub user "stranger"`, "tried usernameMatchingUserEntityName", `no User named "stranger"`}},
		{name: "usernameMatchingUserEntityName/RenamedLoginTakenByOther", resolvers: rc("usernameMatchingUserEntityName"),
			profile: Profile{Login: "olduser", ID: 9999},
			wantErr: []string{`GitHub user "olduser"`, "github.com/user-id=2002", "id is 9999"}},
		{name: "userIdMatchingUserEntityAnnotation/OK after rename", resolvers: rc("userIdMatchingUserEntityAnnotation"),
			profile: Profile{Login: "jane-renamed", ID: 1001}, want: jdoe},
		{name: "userIdMatchingUserEntityAnnotation/NoUser", resolvers: rc("userIdMatchingUserEntityAnnotation"),
			profile: Profile{Login: "jdoe", ID: 4242},
			wantErr: []string{`GitHub user "jdoe"`, "tried userIdMatchingUserEntityAnnotation", "github.com/user-id=4242"}},
		{name: "emailMatchingUserEntityProfileEmail/OK secondary email", resolvers: rc("emailMatchingUserEntityProfileEmail"),
			profile: Profile{Login: "x", Email: "private@home.example", Emails: []string{"private@home.example", "Alice@corp.example"}},
			want:    Identity{UserRef: "user:default/asmith", OwnershipRefs: []string{"user:default/asmith"}, Name: "Alice Smith"}},
		{name: "emailMatchingUserEntityProfileEmail/NoUser", resolvers: rc("emailMatchingUserEntityProfileEmail"),
			profile: Profile{Login: "x", Email: "nobody@corp.example"},
			wantErr: []string{`GitHub user "x"`, "emailMatchingUserEntityProfileEmail", "spec.profile.email nobody@corp.example"}},
		{name: "emailMatchingUserEntityProfileEmail/NoEmail", resolvers: rc("emailMatchingUserEntityProfileEmail"),
			profile: Profile{Login: "x"}, wantErr: []string{"GitHub shared no verified email"}},
		{name: "emailLocalPartMatchingUserEntityName/OK", resolvers: []ResolverConfig{{Name: "emailLocalPartMatchingUserEntityName", Options: map[string]any{"allowedDomains": []any{"corp.example"}}}},
			profile: Profile{Login: "bobby", Email: "bob@corp.example"},
			want:    Identity{UserRef: "user:default/bob", OwnershipRefs: []string{"user:default/bob", "group:default/team-b"}, Name: "bobby"}},
		{name: "emailLocalPartMatchingUserEntityName/DomainNotAllowed", resolvers: []ResolverConfig{{Name: "emailLocalPartMatchingUserEntityName", Options: map[string]any{"allowedDomains": []any{"corp.example"}}}},
			profile: Profile{Login: "bobby", Email: "bob@evil.example"},
			wantErr: []string{`GitHub user "bobby"`, "bob@evil.example (domain not in allowedDomains)"}},
		{name: "emailLocalPartMatchingUserEntityName/NoUser", resolvers: rc("emailLocalPartMatchingUserEntityName"),
			profile: Profile{Login: "carol", Email: "carol@corp.example"},
			wantErr: []string{`GitHub user "carol"`, `carol@corp.example (no User named "carol")`}},
		{name: "dangerouslyAllowSignInWithoutUserInCatalog/OK", resolvers: rc("dangerouslyAllowSignInWithoutUserInCatalog"),
			profile: Profile{Login: "Stranger", Name: "Some One"},
			want:    Identity{UserRef: "user:default/stranger", OwnershipRefs: []string{"user:default/stranger"}, Name: "Some One"}},
		{name: "dangerouslyAllowSignInWithoutUserInCatalog/InvalidLogin", resolvers: rc("dangerouslyAllowSignInWithoutUserInCatalog"),
			profile: Profile{Login: ""}, wantErr: []string{"tried dangerouslyAllowSignInWithoutUserInCatalog", "not a valid entity name"}},
		{name: "chain/second resolver matches", resolvers: rc("usernameMatchingUserEntityName", "userIdMatchingUserEntityAnnotation"),
			profile: Profile{Login: "jane-renamed", ID: 1001}, want: jdoe},
		{name: "chain/none matches names every resolver", resolvers: rc("usernameMatchingUserEntityName", "emailMatchingUserEntityProfileEmail"),
			profile: Profile{Login: "ghost", Email: "ghost@corp.example"},
			wantErr: []string{`GitHub user "ghost"`, "tried usernameMatchingUserEntityName, emailMatchingUserEntityProfileEmail"}},
		{name: "option dangerouslyAllowSignInWithoutUserInCatalog on a resolver", resolvers: []ResolverConfig{{Name: "usernameMatchingUserEntityName", Options: map[string]any{"dangerouslyAllowSignInWithoutUserInCatalog": true}}},
			profile: Profile{Login: "ghost"},
			want:    Identity{UserRef: "user:default/ghost", OwnershipRefs: []string{"user:default/ghost"}, Name: "ghost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chain, err := NewResolvers().Build(tt.resolvers, "signIn")
			if err != nil {
				t.Fatal(err)
			}
			got, err := chain.Resolve(context.Background(), tt.profile, users)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("resolved to %+v, want an error", got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolversUnknownNameAndCustom(t *testing.T) {
	r := NewResolvers()
	_, err := r.Build(rc("nope"), "auth.providers.github.development.signIn")
	if err == nil || !strings.Contains(err.Error(), `auth.providers.github.development.signIn.resolvers[0].resolver: unknown resolver "nope"`) {
		t.Fatalf("err = %v", err)
	}
	r.Add("everyoneIsAlice", ResolverFunc(func(context.Context, Profile, Lookup) (Identity, error) {
		return Identity{UserRef: "user:default/alice", OwnershipRefs: []string{"user:default/alice"}}, nil
	}))
	chain, err := r.Build(rc("everyoneIsAlice"), "signIn")
	if err != nil {
		t.Fatal(err)
	}
	id, err := chain.Resolve(context.Background(), Profile{Login: "x"}, nil)
	if err != nil || id.UserRef != "user:default/alice" {
		t.Fatalf("id = %+v, err = %v", id, err)
	}
}

func rc(names ...string) []ResolverConfig {
	out := make([]ResolverConfig, len(names))
	for i, n := range names {
		out[i] = ResolverConfig{Name: n}
	}
	return out
}
