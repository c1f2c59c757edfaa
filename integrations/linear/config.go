// Package linear is the Linear connector: a small typed client of Linear's
// GraphQL API (issueCreate, issues filtered by the marker, issue by id)
// over the guarded outbound client, and the verifier of Linear's signed
// webhooks.
package linear

import (
	"fmt"
	"net/url"
)

// Config is the connector's settings (LINEAR_API_KEY, LINEAR_TEAM_ID,
// LINEAR_API_URL, LINEAR_WEBHOOK_SECRET).
type Config struct {
	APIKey        string // a personal API key, sent as is (OAuth tokens would need "Bearer ")
	TeamID        string // the team's UUID
	APIURL        string // default DefaultAPIURL
	WebhookSecret string
}

// DefaultAPIURL is Linear's GraphQL endpoint.
const DefaultAPIURL = "https://api.linear.app/graphql"

// Enabled says whether Linear is configured: key and team.
func (c Config) Enabled() bool { return c.APIKey != "" && c.TeamID != "" }

// Validate checks the settings of an enabled connector.
func (c Config) Validate() error {
	u, err := url.Parse(c.apiURL())
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("LINEAR_API_URL %q is not an http(s) URL", c.APIURL)
	}
	return nil
}

func (c Config) apiURL() string {
	if c.APIURL == "" {
		return DefaultAPIURL
	}
	return c.APIURL
}
