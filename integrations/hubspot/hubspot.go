// Package hubspot is a small client of the HubSpot CRM v3 API with a
// private-app token: companies (owners resolved through the owners API),
// deals with their company associations, both following paging.next.after,
// and a note written back on a company. Every request goes through the
// guarded outbound client to the configured base URL.
package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/crowdwise/crowdwise/integrations/crm"
	"github.com/crowdwise/crowdwise/integrations/outbound"
)

// Config is the connection and the property mapping (HUBSPOT_* variables).
type Config struct {
	// URL is the API base, https://api.hubapi.com unless a proxy or a
	// test server stands in.
	URL   string
	Token string
	// ARRProperty and SegmentProperty are company properties (internal
	// names) read as ARR and segment.
	ARRProperty     string
	SegmentProperty string
}

// Defaults for empty Config fields.
const (
	DefaultURL             = "https://api.hubapi.com"
	DefaultARRProperty     = "annualrevenue"
	DefaultSegmentProperty = "industry"
)

// propertyName is HubSpot's form of a property's internal name; the
// configured names go into a query string, so they are allow-listed too.
var propertyName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.URL == "" {
		c.URL = DefaultURL
	}
	if c.ARRProperty == "" {
		c.ARRProperty = DefaultARRProperty
	}
	if c.SegmentProperty == "" {
		c.SegmentProperty = DefaultSegmentProperty
	}
	u, err := url.Parse(c.URL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "":
		return errors.New("HUBSPOT_URL must be an absolute URL such as https://api.hubapi.com")
	case c.Token == "" || strings.ContainsAny(c.Token, " \t\r\n"):
		return errors.New("HUBSPOT_TOKEN must be a private app access token")
	case !propertyName.MatchString(c.ARRProperty):
		return errors.New("HUBSPOT_ARR_PROPERTY must be a property's internal name such as annualrevenue")
	case !propertyName.MatchString(c.SegmentProperty):
		return errors.New("HUBSPOT_SEGMENT_PROPERTY must be a property's internal name such as industry")
	}
	c.URL = strings.TrimRight(c.URL, "/")
	return nil
}

// Client talks to one HubSpot account; safe for concurrent use.
type Client struct {
	cfg  Config
	http *outbound.Client
}

// New returns a client for cfg (validated here) sending through hc.
func New(cfg Config, hc *outbound.Client) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, http: hc}, nil
}

// Source is the models source name this client syncs.
func (c *Client) Source() string { return "hubspot" }

// do sends a request to path (with its query) under the base URL and
// decodes a 2xx JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd *strings.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = strings.NewReader(string(b))
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequestWithContext(ctx, method, c.cfg.URL+path, rd)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, c.cfg.URL+path, nil)
	}
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := crm.CheckResponse(resp); err != nil {
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("hubspot %s response: %w", strings.SplitN(path, "?", 2)[0], err)
	}
	return nil
}

// object is one CRM object of a list response; properties stay raw so one
// malformed value skips its record, not the page.
type object struct {
	ID           string                     `json:"id"`
	Properties   map[string]json.RawMessage `json:"properties"`
	Associations map[string]struct {
		Results []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"results"`
	} `json:"associations"`
}

type listResponse struct {
	Results []json.RawMessage `json:"results"`
	Paging  *struct {
		Next *struct {
			After string `json:"after"`
		} `json:"next"`
	} `json:"paging"`
}

// list pages through GET /crm/v3/objects/{kind} until paging.next is gone.
func (c *Client) list(ctx context.Context, kind string, q url.Values, fn func([]json.RawMessage) error) error {
	q.Set("limit", "100")
	for pages := 0; ; pages++ {
		if pages > 100000 {
			return errors.New("hubspot: too many pages")
		}
		var lr listResponse
		if err := c.do(ctx, http.MethodGet, "/crm/v3/objects/"+kind+"?"+q.Encode(), nil, &lr); err != nil {
			return err
		}
		if err := fn(lr.Results); err != nil {
			return err
		}
		if lr.Paging == nil || lr.Paging.Next == nil || lr.Paging.Next.After == "" {
			return nil
		}
		q.Set("after", lr.Paging.Next.After)
	}
}

// NoteInput is what CreateNote writes.
type noteRequest struct {
	Properties   map[string]string `json:"properties"`
	Associations []noteAssociation `json:"associations"`
}

type noteAssociation struct {
	To struct {
		ID string `json:"id"`
	} `json:"to"`
	Types []associationType `json:"types"`
}

type associationType struct {
	Category string `json:"associationCategory"`
	TypeID   int    `json:"associationTypeId"`
}

// noteToCompany is HubSpot's built-in note → company association type.
const noteToCompany = 190

// CreateNote logs a note on the company's timeline at the time at and
// returns the note's id: POST /crm/v3/objects/notes with hs_timestamp and
// hs_note_body, associated to the company (HUBSPOT_DEFINED, type 190). It is
// not idempotent: a caller that retries must know the first call failed.
func (c *Client) CreateNote(ctx context.Context, companyID, body string, at time.Time) (string, error) {
	if companyID == "" || body == "" {
		return "", errors.New("hubspot: a note needs a company id and a body")
	}
	if len(body) > 65536 {
		body = strings.ToValidUTF8(body[:65536], "") // hs_note_body's limit
	}
	var a noteAssociation
	a.To.ID = companyID
	a.Types = []associationType{{Category: "HUBSPOT_DEFINED", TypeID: noteToCompany}}
	req := noteRequest{
		Properties: map[string]string{
			"hs_timestamp": at.UTC().Format("2006-01-02T15:04:05.000Z"),
			"hs_note_body": body,
		},
		Associations: []noteAssociation{a},
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/crm/v3/objects/notes", req, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", errors.New("hubspot: the note create response has no id")
	}
	return out.ID, nil
}
