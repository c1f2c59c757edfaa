package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crowdwise/crowdwise/integrations/crm"
)

type owner struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

// Companies reads every company, one page at a time, resolving each
// hubspot_owner_id once per run through GET /crm/v3/owners/{id}.
func (c *Client) Companies(ctx context.Context, fn func(crm.AccountPage) error) error {
	owners := map[string]owner{}
	props := []string{"name", "domain", c.cfg.ARRProperty, c.cfg.SegmentProperty, "hubspot_owner_id"}
	q := url.Values{"properties": {strings.Join(props, ",")}}
	return c.list(ctx, "companies", q, func(results []json.RawMessage) error {
		var page crm.AccountPage
		for _, raw := range results {
			a, ownerID, err := c.parseCompany(raw)
			if err != nil {
				page.Skipped = append(page.Skipped, crm.Skipped{ExternalID: objectID(raw), Message: err.Error()})
				continue
			}
			if ownerID != "" {
				o, ok := owners[ownerID]
				if !ok {
					var err error
					if o, err = c.owner(ctx, ownerID); err != nil {
						return err
					}
					owners[ownerID] = o
				}
				a.OwnerName = strings.TrimSpace(o.FirstName + " " + o.LastName)
				a.OwnerEmail = o.Email
			}
			page.Accounts = append(page.Accounts, a)
		}
		return fn(page)
	})
}

// Accounts is Companies under the name models' CRM interface uses.
func (c *Client) Accounts(ctx context.Context, fn func(crm.AccountPage) error) error {
	return c.Companies(ctx, fn)
}

// owner reads one owner; one that no longer exists is no owner.
func (c *Client) owner(ctx context.Context, id string) (owner, error) {
	var o owner
	err := c.do(ctx, http.MethodGet, "/crm/v3/owners/"+url.PathEscape(id), nil, &o)
	var se *crm.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return owner{}, nil
	}
	return o, err
}

// Deals reads every deal with its associated company.
func (c *Client) Deals(ctx context.Context, fn func(crm.OpportunityPage) error) error {
	q := url.Values{
		"associations": {"companies"},
		"properties":   {"dealname,amount,dealstage,closedate,hs_is_closed,hs_is_closed_won"},
	}
	return c.list(ctx, "deals", q, func(results []json.RawMessage) error {
		var page crm.OpportunityPage
		for _, raw := range results {
			o, err := parseDeal(raw)
			if err != nil {
				page.Skipped = append(page.Skipped, crm.Skipped{ExternalID: objectID(raw), Message: err.Error()})
				continue
			}
			if o.AccountExternalID == "" {
				continue // a deal of no company has no account to count for
			}
			page.Opportunities = append(page.Opportunities, o)
		}
		return fn(page)
	})
}

// Opportunities is Deals under the name models' CRM interface uses.
func (c *Client) Opportunities(ctx context.Context, fn func(crm.OpportunityPage) error) error {
	return c.Deals(ctx, fn)
}

func objectID(raw json.RawMessage) string {
	var o struct{ ID any }
	if json.Unmarshal(raw, &o) == nil {
		if s, ok := o.ID.(string); ok && utf8.RuneCountInString(s) <= 200 {
			return s
		}
	}
	return ""
}

func decodeObject(raw json.RawMessage) (object, error) {
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, errors.New("the record is not a CRM object: " + err.Error())
	}
	if o.ID == "" || utf8.RuneCountInString(o.ID) > 200 {
		return o, errors.New("id is missing")
	}
	return o, nil
}

// prop reads a property: HubSpot sends every value as a string or null.
func (o object) prop(name string) (string, error) {
	raw, ok := o.Properties[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s is not text", name)
	}
	return s, nil
}

func (c *Client) parseCompany(raw json.RawMessage) (crm.Account, string, error) {
	o, err := decodeObject(raw)
	if err != nil {
		return crm.Account{}, "", err
	}
	a := crm.Account{ExternalID: o.ID}
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	a.Name, err = o.prop("name")
	collect(err)
	a.Website, err = o.prop("domain")
	collect(err)
	a.Segment, err = o.prop(c.cfg.SegmentProperty)
	collect(err)
	if s, err := o.prop(c.cfg.ARRProperty); err != nil {
		collect(err)
	} else if a.ARRCents, err = crm.ParseCents(s, true); err != nil {
		collect(fmt.Errorf("%s: %v", c.cfg.ARRProperty, err))
	}
	ownerID, err := o.prop("hubspot_owner_id")
	collect(err)
	return a, ownerID, errors.Join(errs...)
}

func parseDeal(raw json.RawMessage) (crm.Opportunity, error) {
	o, err := decodeObject(raw)
	if err != nil {
		return crm.Opportunity{}, err
	}
	d := crm.Opportunity{ExternalID: o.ID}
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	d.Name, err = o.prop("dealname")
	collect(err)
	d.Stage, err = o.prop("dealstage")
	collect(err)
	if s, err := o.prop("amount"); err != nil {
		collect(err)
	} else if d.AmountCents, err = crm.ParseCents(s, true); err != nil {
		collect(fmt.Errorf("amount: %v", err))
	}
	if s, err := o.prop("closedate"); err != nil {
		collect(err)
	} else if s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			collect(errors.New("closedate is not a date"))
		} else {
			day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			d.CloseDate = &day
		}
	}
	d.Closed, err = boolProp(o, "hs_is_closed")
	collect(err)
	d.Won, err = boolProp(o, "hs_is_closed_won")
	collect(err)
	if as, ok := o.Associations["companies"]; ok {
		for _, r := range as.Results {
			// The primary company when marked; else the first.
			if d.AccountExternalID == "" || strings.Contains(r.Type, "primary") {
				d.AccountExternalID = r.ID
			}
		}
	}
	return d, errors.Join(errs...)
}

func boolProp(o object, name string) (bool, error) {
	s, err := o.prop(name)
	switch {
	case err != nil:
		return false, err
	case s == "" || s == "false":
		return false, nil
	case s == "true":
		return true, nil
	}
	return false, fmt.Errorf("%s is not true or false", name)
}

// FindNote returns the id of a note associated to the company whose body
// holds marker, or "" when there is none: POST /crm/v3/objects/notes/search
// filtered on the company association and hs_note_body CONTAINS_TOKEN
// token (one word of the marker, e.g. the write-back id); the whole marker
// is matched here. HubSpot's search index lags writes by seconds, so a retry
// sooner than that may not see a note just created.
func (c *Client) FindNote(ctx context.Context, companyID, token, marker string) (string, error) {
	if companyID == "" || token == "" || !strings.Contains(marker, token) {
		return "", errors.New("hubspot: FindNote needs a company id and a marker holding the token")
	}
	type filter struct {
		PropertyName string `json:"propertyName"`
		Operator     string `json:"operator"`
		Value        string `json:"value"`
	}
	type group struct {
		Filters []filter `json:"filters"`
	}
	req := struct {
		FilterGroups []group  `json:"filterGroups"`
		Properties   []string `json:"properties"`
		Limit        int      `json:"limit"`
		After        string   `json:"after,omitempty"`
	}{
		FilterGroups: []group{{Filters: []filter{
			{PropertyName: "associations.company", Operator: "EQ", Value: companyID},
			{PropertyName: "hs_note_body", Operator: "CONTAINS_TOKEN", Value: token},
		}}},
		Properties: []string{"hs_note_body"},
		Limit:      100,
	}
	for pages := 0; pages < 100; pages++ {
		var out struct {
			Results []struct {
				ID         string `json:"id"`
				Properties struct {
					Body string `json:"hs_note_body"`
				} `json:"properties"`
			} `json:"results"`
			Paging *struct {
				Next *struct {
					After string `json:"after"`
				} `json:"next"`
			} `json:"paging"`
		}
		if err := c.do(ctx, http.MethodPost, "/crm/v3/objects/notes/search", req, &out); err != nil {
			return "", err
		}
		for _, n := range out.Results {
			if n.ID != "" && crm.HasMarker(n.Properties.Body, marker) {
				return n.ID, nil
			}
		}
		if out.Paging == nil || out.Paging.Next == nil || out.Paging.Next.After == "" {
			return "", nil
		}
		req.After = out.Paging.Next.After
	}
	return "", errors.New("hubspot: too many note search pages")
}
