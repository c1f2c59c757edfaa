package linear

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

var (
	identifier = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,6}-[1-9][0-9]{0,9}$`)
	uuid       = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	issuePath  = regexp.MustCompile(`^/[^/]+/issue/([A-Za-z][A-Za-z0-9]{0,6}-[1-9][0-9]{0,9})(?:/[^/]*)?/?$`)
)

// ParseKey accepts ENG-12 (any case), an issue's UUID, or its link
// (https://linear.app/<workspace>/issue/ENG-12/<slug>), and returns the
// identifier (or the UUID).
func (c *Client) ParseKey(keyOrURL string) (string, error) {
	s := strings.TrimSpace(keyOrURL)
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			if m := issuePath.FindStringSubmatch(u.Path); m != nil {
				return strings.ToUpper(m[1]), nil
			}
		}
		return "", tracker.InvalidKey("the link names no Linear issue; use the issue's link such as https://linear.app/team/issue/ENG-12")
	}
	if uuid.MatchString(strings.ToLower(s)) {
		return strings.ToLower(s), nil
	}
	if k := strings.ToUpper(s); identifier.MatchString(k) {
		return k, nil
	}
	return "", tracker.InvalidKey("%q is not a Linear issue such as ENG-12 or its link", s)
}
