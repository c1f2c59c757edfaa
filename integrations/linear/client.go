package linear

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Client talks to one Linear team. It implements tracker.Tracker.
type Client struct {
	cfg  Config
	http *outbound.Client
	now  func() time.Time
}

var _ tracker.Tracker = (*Client)(nil)

// New returns a client for cfg whose requests all go through oc.
func New(cfg Config, oc *outbound.Client) *Client {
	return &Client{cfg: cfg, http: oc, now: time.Now}
}

// Provider is "linear".
func (c *Client) Provider() string { return "linear" }

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code                   string `json:"code"`
		UserPresentableMessage string `json:"userPresentableMessage"`
	} `json:"extensions"`
}

// query posts one GraphQL operation and decodes data into out. GraphQL
// errors come with HTTP 200 or 400; their extensions.code decides the type.
func (c *Client) query(ctx context.Context, q string, vars map[string]any, out any) error {
	b, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", c.cfg.apiURL(), bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", c.cfg.APIKey) // personal API keys go without "Bearer"
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return tracker.ErrorFromTransport(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return tracker.ErrorFromTransport(err)
	}
	var res struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	jsonErr := json.Unmarshal(data, &res)
	if len(res.Errors) > 0 {
		return c.gqlErr(resp, res.Errors[0])
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return tracker.ErrorFromStatus(resp, "", c.now())
	}
	if jsonErr != nil || len(res.Data) == 0 || string(res.Data) == "null" {
		return &tracker.APIError{Status: resp.StatusCode, Message: "Linear answered without data"}
	}
	if err := json.Unmarshal(res.Data, out); err != nil {
		return &tracker.APIError{Status: resp.StatusCode, Message: "Linear answered with unreadable data: " + err.Error()}
	}
	return nil
}

func (c *Client) gqlErr(resp *http.Response, e gqlError) error {
	msg := e.Message
	if e.Extensions.UserPresentableMessage != "" {
		msg = e.Extensions.UserPresentableMessage
	}
	switch {
	case e.Extensions.Code == "AUTHENTICATION_ERROR" || e.Extensions.Code == "FORBIDDEN":
		return tracker.ErrUnauthorized
	case e.Extensions.Code == "RATELIMITED":
		wait := tracker.RetryAfter(resp.Header, c.now())
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Requests-Reset"), 10, 64); wait == 0 && err == nil {
			wait = max(0, time.UnixMilli(reset).Sub(c.now()))
		}
		return &tracker.RateLimitedError{RetryAfter: wait}
	case strings.HasPrefix(e.Message, "Entity not found"):
		return tracker.ErrNotFound
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return tracker.ErrorFromStatus(resp, msg, c.now())
	default:
		return &tracker.APIError{Status: resp.StatusCode, Message: msg}
	}
}
