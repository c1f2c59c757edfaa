package main

import (
	"strings"
	"time"

	"github.com/crowdwise/crowdwise/handlers"
	"github.com/crowdwise/crowdwise/integrations/github"
	"github.com/crowdwise/crowdwise/integrations/jira"
	"github.com/crowdwise/crowdwise/integrations/linear"
	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/models"
)

// backlogConfig is the trackers ideas are promoted to (each on when its
// variables are set), the poll interval and CRM write-back.
type backlogConfig struct {
	Jira   jira.Config
	GitHub github.Config
	Linear linear.Config
	// PollInterval is BACKLOG_POLL_INTERVAL (default 15m, 0 off).
	PollInterval time.Duration
	// CRMWriteBack is CRM_WRITEBACK; nil means the default: on whenever a
	// CRM connector is configured.
	CRMWriteBack *bool
}

// loadBacklog reads the tracker variables. A tracker with some of its
// required variables but not all is a configuration error, not silently off.
func loadBacklog(c *config, getenv func(string) string) error {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	b := &c.Backlog
	b.Jira = jira.Config{URL: get("JIRA_URL"), Email: get("JIRA_EMAIL"), APIToken: get("JIRA_API_TOKEN"),
		ProjectKey: get("JIRA_PROJECT_KEY"), IssueType: get("JIRA_ISSUE_TYPE"), WebhookSecret: get("JIRA_WEBHOOK_SECRET")}
	b.GitHub = github.Config{Repo: get("GITHUB_REPO"), Token: get("GITHUB_TOKEN"), APIURL: get("GITHUB_API_URL"),
		WebhookSecret: get("GITHUB_WEBHOOK_SECRET")}
	b.Linear = linear.Config{APIKey: get("LINEAR_API_KEY"), TeamID: get("LINEAR_TEAM_ID"), APIURL: get("LINEAR_API_URL"),
		WebhookSecret: get("LINEAR_WEBHOOK_SECRET")}
	checks := []struct {
		name     string
		some     bool
		enabled  bool
		validate func() error
		need     string
	}{
		{"JIRA_URL", b.Jira.URL+b.Jira.Email+b.Jira.APIToken+b.Jira.ProjectKey+b.Jira.WebhookSecret != "", b.Jira.Enabled(),
			b.Jira.Validate, "needs JIRA_URL, JIRA_EMAIL, JIRA_API_TOKEN and JIRA_PROJECT_KEY together"},
		{"GITHUB_REPO", b.GitHub.Repo+b.GitHub.Token+b.GitHub.WebhookSecret != "", b.GitHub.Enabled(),
			b.GitHub.Validate, "needs GITHUB_REPO and GITHUB_TOKEN together"},
		{"LINEAR_API_KEY", b.Linear.APIKey+b.Linear.TeamID+b.Linear.WebhookSecret != "", b.Linear.Enabled(),
			b.Linear.Validate, "needs LINEAR_API_KEY and LINEAR_TEAM_ID together"},
	}
	for _, ch := range checks {
		if ch.some && !ch.enabled {
			return &configError{ch.name, ch.need}
		}
		if ch.enabled {
			if err := ch.validate(); err != nil {
				return &configError{ch.name, err.Error()}
			}
		}
	}
	d, err := time.ParseDuration(firstNonEmpty(get("BACKLOG_POLL_INTERVAL"), "15m"))
	if err != nil || d < 0 || (d > 0 && d < time.Minute) {
		return &configError{"BACKLOG_POLL_INTERVAL", `must be 0 (off) or a duration of at least 1m, such as "15m"`}
	}
	b.PollInterval = d
	switch v := strings.ToLower(get("CRM_WRITEBACK")); v {
	case "":
	case "true", "1", "yes":
		on := true
		b.CRMWriteBack = &on
	case "false", "0", "no":
		off := false
		b.CRMWriteBack = &off
	default:
		return &configError{"CRM_WRITEBACK", `must be "true" or "false"`}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// trackers builds a client for each configured tracker, all through the
// one guarded outbound client.
func (b backlogConfig) trackers(oc *outbound.Client) models.Trackers {
	t := models.Trackers{}
	if b.Jira.Enabled() {
		t[models.ProviderJira] = jira.New(b.Jira, oc)
	}
	if b.GitHub.Enabled() {
		t[models.ProviderGitHub] = github.New(b.GitHub, oc)
	}
	if b.Linear.Enabled() {
		t[models.ProviderLinear] = linear.New(b.Linear, oc)
	}
	return t
}

// webhooks are the inbound webhooks of the trackers with a secret.
func (b backlogConfig) webhooks() map[string]handlers.TrackerWebhook {
	w := map[string]handlers.TrackerWebhook{}
	if b.Jira.Enabled() && b.Jira.WebhookSecret != "" {
		w[models.ProviderJira] = handlers.TrackerWebhook{Secret: b.Jira.WebhookSecret, Verify: jira.VerifyAndParse, DeliveryHeader: jira.HeaderDelivery}
	}
	if b.GitHub.Enabled() && b.GitHub.WebhookSecret != "" {
		w[models.ProviderGitHub] = handlers.TrackerWebhook{Secret: b.GitHub.WebhookSecret, Verify: github.VerifyAndParse, DeliveryHeader: github.HeaderDelivery}
	}
	if b.Linear.Enabled() && b.Linear.WebhookSecret != "" {
		w[models.ProviderLinear] = handlers.TrackerWebhook{Secret: b.Linear.WebhookSecret, Verify: linear.VerifyAndParse, DeliveryHeader: linear.HeaderDelivery}
	}
	return w
}

// crmWriters are the CRM connectors that take write-backs: every
// configured one unless CRM_WRITEBACK=false.
func crmWriters(b backlogConfig, crm crmClients) []models.CRMWriter {
	if b.CRMWriteBack != nil && !*b.CRMWriteBack {
		return nil
	}
	var out []models.CRMWriter
	if crm.Salesforce != nil {
		out = append(out, models.SalesforceWriter(crm.Salesforce))
	}
	if crm.HubSpot != nil {
		out = append(out, models.HubSpotWriter(crm.HubSpot))
	}
	return out
}
