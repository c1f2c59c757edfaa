package handlers

import (
	"fmt"
	"strings"
	"sync"

	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/apple"
	"github.com/markbates/goth/providers/facebook"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/gitlab"
	"github.com/markbates/goth/providers/google"
	"github.com/markbates/goth/providers/linkedin"
	"github.com/markbates/goth/providers/microsoftonline"
	"github.com/markbates/goth/providers/openidConnect"
	"github.com/markbates/goth/providers/twitterv2"

	"github.com/crowdwise/crowdwise/models"
)

// ProviderConfig is one sign-in provider enabled by environment variables.
// Name is the route name: github, google, microsoft, facebook, x, linkedin,
// apple, gitlab or oidc (any OpenID Connect issuer, for company SSO).
type ProviderConfig struct {
	Name         string
	Label        string
	ClientID     string
	ClientSecret string
	Issuer       string // oidc only: the issuer URL; discovery is read from it
}

// ProviderNames lists the supported providers in the order /signin shows them.
var ProviderNames = []string{"oidc", "google", "microsoft", "github", "gitlab", "apple", "linkedin", "facebook", "x"}

// providerSet holds goth providers by route name. goth's own registry and
// gothic's session store are globals; we use neither.
type providerSet struct {
	configs []ProviderConfig
	mu      sync.Mutex
	built   map[string]goth.Provider
	base    string
}

func newProviderSet(configs []ProviderConfig, baseURL string) *providerSet {
	return &providerSet{configs: configs, built: map[string]goth.Provider{}, base: baseURL}
}

func (s *providerSet) config(name string) (ProviderConfig, bool) {
	for _, c := range s.configs {
		if c.Name == name {
			return c, true
		}
	}
	return ProviderConfig{}, false
}

// get builds providers on first use: the OIDC provider reads the issuer's
// discovery document, which must not stop the server from starting while
// the issuer is down.
func (s *providerSet) get(name string) (goth.Provider, error) {
	cfg, ok := s.config(name)
	if !ok {
		return nil, models.NotFound("That sign-in provider is not enabled here.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.built[name]; ok {
		return p, nil
	}
	cb := s.base + "/auth/" + name + "/callback"
	var p goth.Provider
	switch name {
	case "github":
		p = github.New(cfg.ClientID, cfg.ClientSecret, cb, "read:user", "user:email")
	case "google":
		p = google.New(cfg.ClientID, cfg.ClientSecret, cb, "openid", "email", "profile")
	case "microsoft":
		p = microsoftonline.New(cfg.ClientID, cfg.ClientSecret, cb)
	case "facebook":
		p = facebook.New(cfg.ClientID, cfg.ClientSecret, cb, "email", "public_profile")
	case "x":
		p = twitterv2.NewAuthenticate(cfg.ClientID, cfg.ClientSecret, cb)
	case "linkedin":
		p = linkedin.New(cfg.ClientID, cfg.ClientSecret, cb)
	case "apple":
		p = apple.New(cfg.ClientID, cfg.ClientSecret, cb, nil, apple.ScopeName, apple.ScopeEmail)
	case "gitlab":
		p = gitlab.New(cfg.ClientID, cfg.ClientSecret, cb, "read_user")
	case "oidc":
		discovery := strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/openid-configuration"
		op, err := openidConnect.New(cfg.ClientID, cfg.ClientSecret, cb, discovery, "openid", "email", "profile")
		if err != nil {
			return nil, fmt.Errorf("oidc discovery at %s: %w", discovery, err)
		}
		p = op
	default:
		return nil, models.NotFound("That sign-in provider is not enabled here.")
	}
	s.built[name] = p
	return p, nil
}

// usesPKCE: our generic OIDC provider sends a PKCE challenge (goth passes the
// verifier through at the token exchange); OAuth 1.0a (x) has no state at all.
func usesPKCE(name string) bool  { return name == "oidc" }
func usesState(name string) bool { return name != "x" }

// profileOf turns goth's user into ours. Emails count as verified only where
// the provider vouches for them: never "linked by email" either way.
func profileOf(name string, u goth.User) models.Profile {
	verified := false
	switch name {
	case "github", "gitlab", "dev":
		// goth's GitHub provider returns only a primary verified address;
		// GitLab returns the confirmed primary address.
		verified = u.Email != ""
	case "oidc", "google", "apple":
		verified = claimTrue(u.RawData["email_verified"]) || claimTrue(u.RawData["verified_email"])
	}
	name1 := u.Name
	if name1 == "" {
		name1 = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return models.Profile{
		Provider: name, ProviderUserID: u.UserID, Email: u.Email, EmailVerified: verified,
		Name: name1, Nickname: u.NickName, AvatarURL: u.AvatarURL,
	}
}

func claimTrue(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// label is the button text for a provider.
func (c ProviderConfig) label() string {
	if c.Label != "" {
		return c.Label
	}
	switch c.Name {
	case "github":
		return "GitHub"
	case "gitlab":
		return "GitLab"
	case "linkedin":
		return "LinkedIn"
	case "x":
		return "X"
	case "oidc":
		return "Single sign-on"
	}
	return strings.ToUpper(c.Name[:1]) + c.Name[1:]
}
