// Package github is the GitHub Issues connector: create, find and read
// issues through go-github over the guarded outbound client, and verify
// GitHub's signed issue webhooks.
package github

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Config is the connector's settings (GITHUB_REPO, GITHUB_TOKEN,
// GITHUB_API_URL, GITHUB_WEBHOOK_SECRET).
type Config struct {
	Repo          string // owner/name
	Token         string
	APIURL        string // default DefaultAPIURL; GitHub Enterprise: https://host/api/v3
	WebhookSecret string
}

// DefaultAPIURL is github.com's REST API.
const DefaultAPIURL = "https://api.github.com"

// InProgressLabel marks an open issue as being worked on.
const InProgressLabel = "in progress"

var repoName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)

// Enabled says whether GitHub is configured: repository and token.
func (c Config) Enabled() bool { return c.Repo != "" && c.Token != "" }

// Validate checks the settings of an enabled connector.
func (c Config) Validate() error {
	if !repoName.MatchString(c.Repo) {
		return fmt.Errorf("GITHUB_REPO %q is not owner/name", c.Repo)
	}
	u, err := url.Parse(c.apiURL())
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("GITHUB_API_URL %q is not an http(s) URL", c.APIURL)
	}
	return nil
}

func (c Config) apiURL() string {
	if c.APIURL == "" {
		return DefaultAPIURL
	}
	return c.APIURL
}

func (c Config) ownerRepo() (string, string) {
	owner, repo, _ := strings.Cut(c.Repo, "/")
	return owner, repo
}
