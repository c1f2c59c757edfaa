package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/crowdwise/crowdwise/integrations/outbound"
	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Client talks to one Jira Cloud site. It implements tracker.Tracker.
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

// Provider is "jira".
func (c *Client) Provider() string { return "jira" }

// do sends one request with Basic auth and decodes a 2xx JSON answer into
// out (when not nil); anything else becomes a typed tracker error.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	u := c.cfg.base() + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.cfg.Email, c.cfg.APIToken)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return tracker.ErrorFromTransport(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return tracker.ErrorFromTransport(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return tracker.ErrorFromStatus(resp, errorText(data), c.now())
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &tracker.APIError{Status: resp.StatusCode, Message: "Jira answered with unreadable JSON: " + err.Error()}
	}
	return nil
}

// errorText reads Jira's error collection {"errorMessages":[…],"errors":{field:msg}}.
func errorText(body []byte) string {
	var e struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msgs := append([]string(nil), e.ErrorMessages...)
	fields := make([]string, 0, len(e.Errors))
	for f := range e.Errors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		msgs = append(msgs, fmt.Sprintf("%s: %s", f, e.Errors[f]))
	}
	return strings.Join(msgs, "; ")
}
