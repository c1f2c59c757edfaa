package jira

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

var (
	projectKey = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,254}$`)
	issueKey   = regexp.MustCompile(`^[A-Z][A-Z0-9_]*-[1-9][0-9]{0,17}$`)
)

// ParseKey accepts PROJ-123 (any case) or a link to the issue on the
// configured site: /browse/PROJ-123 or a board link with selectedIssue.
func (c *Client) ParseKey(keyOrURL string) (string, error) {
	s := strings.TrimSpace(keyOrURL)
	if s == "" {
		return "", tracker.InvalidKey("enter an issue key such as PROJ-123 or its link")
	}
	if !strings.Contains(s, "/") {
		return checkKey(s)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", tracker.InvalidKey("%q is neither an issue key nor a link", s)
	}
	site, _ := url.Parse(c.cfg.URL)
	if site == nil || !strings.EqualFold(u.Host, site.Host) {
		return "", tracker.InvalidKey("the link is not on the configured Jira site %s", c.cfg.URL)
	}
	if k := u.Query().Get("selectedIssue"); k != "" {
		return checkKey(k)
	}
	if rest, ok := strings.CutPrefix(u.Path, "/browse/"); ok {
		return checkKey(strings.Trim(rest, "/"))
	}
	return "", tracker.InvalidKey("the link names no issue; use the issue's /browse/ link")
}

func checkKey(s string) (string, error) {
	k := strings.ToUpper(s)
	if !issueKey.MatchString(k) {
		return "", tracker.InvalidKey("%q is not a Jira issue key such as PROJ-123", s)
	}
	return k, nil
}
