// Package jira is the Jira Cloud connector: a small typed client of the
// REST API v3 (create, search by label, read one issue) and the verifier of
// Jira's signed webhooks. Every request goes through the guarded outbound
// client.
package jira

import (
	"fmt"
	"net/url"
	"strings"
)

// Config is the connector's settings (JIRA_URL, JIRA_EMAIL, JIRA_API_TOKEN,
// JIRA_PROJECT_KEY, JIRA_ISSUE_TYPE, JIRA_WEBHOOK_SECRET).
type Config struct {
	URL           string // site, e.g. https://acme.atlassian.net
	Email         string
	APIToken      string
	ProjectKey    string
	IssueType     string // default DefaultIssueType
	WebhookSecret string
}

// DefaultIssueType is the issue type new issues get unless configured.
const DefaultIssueType = "Story"

// Enabled says whether Jira is configured: site, credentials and project.
func (c Config) Enabled() bool {
	return c.URL != "" && c.Email != "" && c.APIToken != "" && c.ProjectKey != ""
}

// Validate checks the settings of an enabled connector.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("JIRA_URL %q is not an http(s) URL", c.URL)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("JIRA_URL %q must be the site without a path", c.URL)
	}
	if !projectKey.MatchString(c.ProjectKey) {
		return fmt.Errorf("JIRA_PROJECT_KEY %q is not a project key (e.g. PROJ)", c.ProjectKey)
	}
	return nil
}

func (c Config) base() string { return strings.TrimRight(c.URL, "/") }

func (c Config) issueType() string {
	if c.IssueType == "" {
		return DefaultIssueType
	}
	return c.IssueType
}
