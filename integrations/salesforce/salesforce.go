// Package salesforce is a small client of the Salesforce REST API: an
// OAuth 2.0 client-credentials token, SOQL queries over Account and
// Opportunity (following nextRecordsUrl), and a Task written back on an
// account. Every request goes through the guarded outbound client, to URLs
// from configuration only (the instance URL comes from the token response
// of the configured login URL).
package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/crowdwise/crowdwise/integrations/crm"
	"github.com/crowdwise/crowdwise/integrations/outbound"
)

// Config is the connection and the field mapping (SALESFORCE_* variables).
type Config struct {
	// URL is the login or My Domain URL the token is requested from, e.g.
	// https://acme.my.salesforce.com.
	URL          string
	ClientID     string
	ClientSecret string
	// APIVersion is like "v60.0".
	APIVersion string
	// ARRField and SegmentField are Account fields (API names) read as ARR
	// and segment.
	ARRField     string
	SegmentField string
}

// Defaults for empty Config fields.
const (
	DefaultAPIVersion   = "v60.0"
	DefaultARRField     = "AnnualRevenue"
	DefaultSegmentField = "Type"
)

// soqlField is an allow-list for the configured field names: an API name
// (Foo, Foo__c, ns__Foo__c) optionally behind one relationship (Parent.Foo).
// They are the only configured text that goes into a query, so nothing else
// can.
var soqlField = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$`)

var apiVersion = regexp.MustCompile(`^v[0-9]{2,3}\.[0-9]$`)

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if c.ARRField == "" {
		c.ARRField = DefaultARRField
	}
	if c.SegmentField == "" {
		c.SegmentField = DefaultSegmentField
	}
	u, err := url.Parse(c.URL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "":
		return errors.New("SALESFORCE_URL must be an absolute URL such as https://acme.my.salesforce.com")
	case c.ClientID == "" || c.ClientSecret == "":
		return errors.New("SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET are both required")
	case !apiVersion.MatchString(c.APIVersion):
		return errors.New(`SALESFORCE_API_VERSION must look like "v60.0"`)
	case !soqlField.MatchString(c.ARRField):
		return errors.New("SALESFORCE_ARR_FIELD must be a field API name such as AnnualRevenue or ARR__c")
	case !soqlField.MatchString(c.SegmentField):
		return errors.New("SALESFORCE_SEGMENT_FIELD must be a field API name such as Type or Segment__c")
	}
	c.URL = strings.TrimRight(c.URL, "/")
	return nil
}

// Client talks to one Salesforce org. It is safe for concurrent use; it
// fetches a token on first use and again after a 401.
type Client struct {
	cfg  Config
	http *outbound.Client

	mu       sync.Mutex
	token    string
	instance *url.URL
}

// New returns a client for cfg (validated here) sending through hc.
func New(cfg Config, hc *outbound.Client) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, http: hc}, nil
}

// Source is the models source name this client syncs.
func (c *Client) Source() string { return "salesforce" }

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	InstanceURL string `json:"instance_url"`
	TokenType   string `json:"token_type"`
}

// authenticate runs the client-credentials flow:
// POST {URL}/services/oauth2/token with grant_type=client_credentials.
func (c *Client) authenticate(ctx context.Context) (string, *url.URL, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" {
		return c.token, c.instance, nil
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	// A refused client id or secret is 400 invalid_client (RFC 6749 §5.2)
	// or 401: either way the credentials are wrong.
	if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized {
		return "", nil, crm.ErrCredentials
	}
	if err := crm.CheckResponse(resp); err != nil {
		return "", nil, err
	}
	var tr tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		return "", nil, fmt.Errorf("salesforce token response: %w", err)
	}
	inst, err := url.Parse(tr.InstanceURL)
	if tr.AccessToken == "" || err != nil || inst.Host == "" || (inst.Scheme != "https" && inst.Scheme != "http") {
		return "", nil, errors.New("salesforce token response has no access_token or instance_url")
	}
	c.token, c.instance = tr.AccessToken, inst
	return c.token, c.instance, nil
}

func (c *Client) forgetToken() {
	c.mu.Lock()
	c.token, c.instance = "", nil
	c.mu.Unlock()
}

// do sends an authenticated request to path on the instance (path may carry
// a query). A 401 gets one new token and one retry; a second 401 is
// crm.ErrCredentials. The caller closes the body of a nil-error response.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		token, inst, err := c.authenticate(ctx)
		if err != nil {
			return nil, err
		}
		// Only a path on the instance from the token response: a
		// nextRecordsUrl is a path, never a host of its own.
		if !strings.HasPrefix(path, "/services/data/") {
			return nil, fmt.Errorf("salesforce: refusing to follow %q", path)
		}
		u := *inst
		u.Path, u.RawQuery, _ = strings.Cut(path, "?")
		var rd io.Reader
		if body != nil {
			rd = strings.NewReader(string(body))
		}
		req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			resp.Body.Close()
			c.forgetToken() // expired session: one fresh token
			continue
		}
		if err := crm.CheckResponse(resp); err != nil {
			resp.Body.Close()
			return nil, err
		}
		return resp, nil
	}
}

// queryResult is one page of a SOQL query.
type queryResult struct {
	TotalSize      int               `json:"totalSize"`
	Done           bool              `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
}

// query runs soql and hands each page's raw records to fn, following
// nextRecordsUrl until done.
func (c *Client) query(ctx context.Context, soql string, fn func(total int, records []json.RawMessage) error) error {
	path := "/services/data/" + c.cfg.APIVersion + "/query?q=" + url.QueryEscape(soql)
	for pages := 0; ; pages++ {
		if pages > 100000 {
			return errors.New("salesforce: too many pages")
		}
		resp, err := c.do(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		var qr queryResult
		err = json.NewDecoder(resp.Body).Decode(&qr)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("salesforce query response: %w", err)
		}
		if err := fn(qr.TotalSize, qr.Records); err != nil {
			return err
		}
		if qr.Done || qr.NextRecordsURL == "" {
			return nil
		}
		path = qr.NextRecordsURL
	}
}
