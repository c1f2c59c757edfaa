package github

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

var (
	refKey  = regexp.MustCompile(`^(?:([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+))?#?([1-9][0-9]{0,9})$`)
	refPath = regexp.MustCompile(`^/([A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)/issues/([1-9][0-9]{0,9})/?$`)
)

// ParseKey accepts owner/repo#45, #45, 45 or the page
// (https://github.com/owner/repo/issues/45) in the configured repository
// and returns owner/repo#45.
func (c *Client) ParseKey(keyOrURL string) (string, error) {
	_, _, n, err := c.parse(keyOrURL)
	if err != nil {
		return "", err
	}
	return Key(c.cfg.Repo, n), nil
}

// Key is the display key of issue n in repo.
func Key(repo string, n int) string { return repo + "#" + strconv.Itoa(n) }

func (c *Client) parse(keyOrURL string) (owner, repo string, n int, err error) {
	s := strings.TrimSpace(keyOrURL)
	var m []string
	if strings.Contains(s, "://") {
		u, perr := url.Parse(s)
		if perr == nil && u.Host != "" {
			m = refPath.FindStringSubmatch(u.Path)
		}
	} else {
		m = refKey.FindStringSubmatch(s)
	}
	if m == nil {
		return "", "", 0, tracker.InvalidKey("%q is not a GitHub issue such as %s#12 or its link", s, c.cfg.Repo)
	}
	if m[1] != "" && !strings.EqualFold(m[1], c.cfg.Repo) {
		return "", "", 0, tracker.InvalidKey("the issue is in %s, not in the configured repository %s", m[1], c.cfg.Repo)
	}
	n, _ = strconv.Atoi(m[2])
	owner, repo = c.cfg.ownerRepo()
	return owner, repo, n, nil
}
