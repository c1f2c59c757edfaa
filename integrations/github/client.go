package github

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v75/github"

	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Client talks to one repository. It implements tracker.Tracker.
type Client struct {
	cfg Config
	gh  *gh.Client
	err error // a configuration error every call returns
	now func() time.Time
}

var _ tracker.Tracker = (*Client)(nil)

// New returns a client for cfg whose requests all go through oc. A bad
// GITHUB_API_URL (see Config.Validate) makes every call fail.
func New(cfg Config, oc *outbound.Client) *Client {
	hc := &http.Client{
		Transport: guarded{oc},
		// oc applies the redirect policy; this outer client must not add its own.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c := &Client{cfg: cfg, gh: gh.NewClient(hc).WithAuthToken(cfg.Token), now: time.Now}
	base, err := url.Parse(strings.TrimRight(cfg.apiURL(), "/") + "/")
	if err != nil {
		c.err = &tracker.APIError{Message: "GITHUB_API_URL is not a URL"}
		return c
	}
	c.gh.BaseURL = base
	return c
}

// guarded lets go-github send through the outbound client.
type guarded struct{ c *outbound.Client }

func (g guarded) RoundTrip(r *http.Request) (*http.Response, error) { return g.c.Do(r) }

// Provider is "github".
func (c *Client) Provider() string { return "github" }

// typed turns go-github's errors into the tracker's.
func (c *Client) typed(err error) error {
	var rl *gh.RateLimitError
	var abuse *gh.AbuseRateLimitError
	var er *gh.ErrorResponse
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rl):
		return &tracker.RateLimitedError{RetryAfter: max(0, rl.Rate.Reset.Sub(c.now()))}
	case errors.As(err, &abuse):
		wait := time.Duration(0)
		if abuse.RetryAfter != nil {
			wait = *abuse.RetryAfter
		}
		return &tracker.RateLimitedError{RetryAfter: wait}
	case errors.As(err, &er) && er.Response != nil:
		msg := er.Message
		for _, e := range er.Errors {
			if e.Message != "" {
				msg += "; " + e.Message
			} else if e.Field != "" {
				msg += "; " + e.Field + " " + e.Code
			}
		}
		return tracker.ErrorFromStatus(er.Response, msg, c.now())
	default:
		return tracker.ErrorFromTransport(err)
	}
}

func (c *Client) item(is *gh.Issue) tracker.Item {
	var labels []string
	for _, l := range is.Labels {
		labels = append(labels, l.GetName())
	}
	raw, cat := Status(is.GetState(), is.GetStateReason(), labels)
	return tracker.Item{
		ExternalID: strconv.FormatInt(is.GetID(), 10),
		Key:        Key(c.cfg.Repo, is.GetNumber()),
		URL:        is.GetHTMLURL(),
		Status:     raw,
		Category:   cat,
	}
}
