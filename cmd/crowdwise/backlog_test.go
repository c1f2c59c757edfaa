package main

import (
	"errors"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

func TestConfigBacklog(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{"DATABASE_URL": "postgres://u@localhost/db"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := loadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.Backlog.PollInterval != 15*time.Minute || c.Backlog.CRMWriteBack != nil || len(c.Backlog.trackers(nil)) != 0 {
		t.Fatalf("defaults = %+v", c.Backlog)
	}
	c, err = loadConfig(env("JIRA_URL", "https://acme.atlassian.net", "JIRA_EMAIL", "pm@acme.com", "JIRA_API_TOKEN", "t",
		"JIRA_PROJECT_KEY", "PROJ", "JIRA_WEBHOOK_SECRET", "s", "GITHUB_REPO", "acme/app", "GITHUB_TOKEN", "g",
		"BACKLOG_POLL_INTERVAL", "0", "CRM_WRITEBACK", "false"))
	if err != nil {
		t.Fatal(err)
	}
	tr := c.Backlog.trackers(nil)
	if got := tr.Available(); len(got) != 3 || got[1] != models.ProviderJira || got[2] != models.ProviderGitHub {
		t.Fatalf("trackers = %v", got)
	}
	if hooks := c.Backlog.webhooks(); len(hooks) != 1 || hooks[models.ProviderJira].Secret != "s" {
		t.Fatalf("webhooks = %v; want Jira only (GitHub has no secret)", hooks)
	}
	if c.Backlog.PollInterval != 0 || c.Backlog.CRMWriteBack == nil || *c.Backlog.CRMWriteBack {
		t.Fatalf("poll off and write-back off = %+v", c.Backlog)
	}
	for _, bad := range [][]string{
		{"JIRA_URL", "https://acme.atlassian.net"}, // without credentials and project
		{"GITHUB_TOKEN", "g"},
		{"LINEAR_TEAM_ID", "team"},
		{"GITHUB_REPO", "not a repo", "GITHUB_TOKEN", "g"},
		{"BACKLOG_POLL_INTERVAL", "often"},
		{"BACKLOG_POLL_INTERVAL", "5s"},
		{"CRM_WRITEBACK", "maybe"},
	} {
		_, err := loadConfig(env(bad...))
		var ce *configError
		if !errors.As(err, &ce) {
			t.Errorf("%v accepted (err %v)", bad, err)
		}
	}
}
