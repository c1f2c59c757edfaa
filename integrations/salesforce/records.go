package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crowdwise/crowdwise/integrations/crm"
)

// accountSOQL is the one Account query. The two mapped fields were checked
// against the identifier allow-list in Config.Validate; nothing else in it
// is configurable.
func (c *Client) accountSOQL() string {
	return "SELECT Id, Name, Website, " + c.cfg.ARRField + ", " + c.cfg.SegmentField +
		", Owner.Name, Owner.Email FROM Account ORDER BY Id"
}

const opportunitySOQL = "SELECT Id, AccountId, Name, Amount, StageName, CloseDate, IsClosed, IsWon " +
	"FROM Opportunity WHERE AccountId != null ORDER BY Id"

// Accounts reads every Account, one page at a time. A record that cannot be
// read is in the page's Skipped, the rest go on.
func (c *Client) Accounts(ctx context.Context, fn func(crm.AccountPage) error) error {
	return c.query(ctx, c.accountSOQL(), func(total int, records []json.RawMessage) error {
		page := crm.AccountPage{Total: total}
		for _, raw := range records {
			a, err := c.parseAccount(raw)
			if err != nil {
				page.Skipped = append(page.Skipped, crm.Skipped{ExternalID: recordID(raw), Message: err.Error()})
				continue
			}
			page.Accounts = append(page.Accounts, a)
		}
		return fn(page)
	})
}

// Opportunities reads every Opportunity that has an account.
func (c *Client) Opportunities(ctx context.Context, fn func(crm.OpportunityPage) error) error {
	return c.query(ctx, opportunitySOQL, func(total int, records []json.RawMessage) error {
		page := crm.OpportunityPage{Total: total}
		for _, raw := range records {
			o, err := parseOpportunity(raw)
			if err != nil {
				page.Skipped = append(page.Skipped, crm.Skipped{ExternalID: recordID(raw), Message: err.Error()})
				continue
			}
			page.Opportunities = append(page.Opportunities, o)
		}
		return fn(page)
	})
}

type record map[string]any

func decode(raw json.RawMessage) (record, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var r record
	if err := d.Decode(&r); err != nil || r == nil {
		return nil, errors.New("the record is not a JSON object")
	}
	return r, nil
}

// recordID is a malformed record's Id, when it has a readable one.
func recordID(raw json.RawMessage) string {
	var r struct{ Id any }
	if json.Unmarshal(raw, &r) == nil {
		if s, ok := r.Id.(string); ok && utf8.RuneCountInString(s) <= 200 {
			return s
		}
	}
	return ""
}

// get follows a dotted path ("Owner.Email") through nested records; a null
// relationship gives nil.
func (r record) get(path string) any {
	var v any = map[string]any(r)
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// str reads a text field; null is "".
func (r record) str(path string) (string, error) {
	switch v := r.get(path).(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", fmt.Errorf("%s is not text", path)
	}
}

// cents reads a currency field; null is 0.
func (r record) cents(path string) (int64, error) {
	switch v := r.get(path).(type) {
	case nil:
		return 0, nil
	case json.Number:
		n, err := crm.ParseCents(v.String(), true)
		if err != nil {
			return 0, fmt.Errorf("%s: %v", path, err)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("%s is not a number", path)
	}
}

func (r record) id(path string) (string, error) {
	s, err := r.str(path)
	if err != nil || s == "" || utf8.RuneCountInString(s) > 200 {
		return "", fmt.Errorf("%s is missing or not an id", path)
	}
	return s, nil
}

func (c *Client) parseAccount(raw json.RawMessage) (crm.Account, error) {
	r, err := decode(raw)
	if err != nil {
		return crm.Account{}, err
	}
	var a crm.Account
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	a.ExternalID, err = r.id("Id")
	collect(err)
	a.Name, err = r.str("Name")
	collect(err)
	a.Website, err = r.str("Website")
	collect(err)
	a.ARRCents, err = r.cents(c.cfg.ARRField)
	collect(err)
	switch v := r.get(c.cfg.SegmentField).(type) {
	case nil:
	case string:
		a.Segment = v
	case json.Number: // a numeric field mapped as segment still reads
		a.Segment = v.String()
	default:
		collect(fmt.Errorf("%s is not text", c.cfg.SegmentField))
	}
	a.OwnerName, err = r.str("Owner.Name")
	collect(err)
	a.OwnerEmail, err = r.str("Owner.Email")
	collect(err)
	return a, errors.Join(errs...)
}

func parseOpportunity(raw json.RawMessage) (crm.Opportunity, error) {
	r, err := decode(raw)
	if err != nil {
		return crm.Opportunity{}, err
	}
	var o crm.Opportunity
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	o.ExternalID, err = r.id("Id")
	collect(err)
	o.AccountExternalID, err = r.id("AccountId")
	collect(err)
	o.Name, err = r.str("Name")
	collect(err)
	o.AmountCents, err = r.cents("Amount")
	collect(err)
	o.Stage, err = r.str("StageName")
	collect(err)
	if s, err := r.str("CloseDate"); err != nil {
		collect(err)
	} else if s != "" {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			collect(errors.New("CloseDate is not a date"))
		} else {
			o.CloseDate = &d
		}
	}
	var ok bool
	if o.Closed, ok = r.get("IsClosed").(bool); !ok {
		collect(errors.New("IsClosed is not true or false"))
	}
	if o.Won, ok = r.get("IsWon").(bool); !ok {
		collect(errors.New("IsWon is not true or false"))
	}
	return o, errors.Join(errs...)
}

// TaskInput is a completed activity logged on a record (WhatID: an Account
// or Opportunity id), e.g. "idea shipped" written back by Crowdwise.
type TaskInput struct {
	WhatID      string
	Subject     string
	Description string
}

// CreateTask creates a completed Task on the record WhatID and returns the
// Task's id: POST {instance_url}/services/data/{version}/sobjects/Task.
// It is not idempotent: a caller that retries must know the first call did
// not succeed (the Task id it stored).
func (c *Client) CreateTask(ctx context.Context, in TaskInput) (string, error) {
	if in.WhatID == "" || in.Subject == "" {
		return "", errors.New("salesforce: a task needs WhatID and Subject")
	}
	// Subject is a 255-character field.
	if utf8.RuneCountInString(in.Subject) > 255 {
		in.Subject = string([]rune(in.Subject)[:255])
	}
	body, err := json.Marshal(map[string]string{
		"WhatId":      in.WhatID,
		"Subject":     in.Subject,
		"Description": in.Description,
		"Status":      "Completed",
	})
	if err != nil {
		return "", err
	}
	resp, err := c.do(ctx, http.MethodPost, "/services/data/"+c.cfg.APIVersion+"/sobjects/Task", body)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		ID      string `json:"id"`
		Success bool   `json:"success"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.ID == "" || !out.Success {
		return "", errors.New("salesforce: the Task create response has no id")
	}
	return out.ID, nil
}

// recordIDRe is a Salesforce record id: 15 case-sensitive or 18
// case-insensitive alphanumerics.
var recordIDRe = regexp.MustCompile(`^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$`)

// soqlString quotes s as a SOQL string literal (the escapes the SOQL
// reference lists: backslash, quotes and control characters).
func soqlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "\b", `\b`, "\f", `\f`)
	return "'" + r.Replace(s) + "'"
}

// FindTask returns the id of a Task on WhatID with that subject whose
// Description holds marker, or "" when there is none. Description is a long
// text area, which SOQL cannot filter on, so the query narrows by WhatId
// and Subject and the marker is matched here.
func (c *Client) FindTask(ctx context.Context, whatID, subject, marker string) (string, error) {
	if !recordIDRe.MatchString(whatID) {
		return "", fmt.Errorf("salesforce: %q is not a record id", whatID)
	}
	if marker == "" {
		return "", errors.New("salesforce: FindTask needs a marker")
	}
	if utf8.RuneCountInString(subject) > 255 { // as CreateTask stored it
		subject = string([]rune(subject)[:255])
	}
	soql := "SELECT Id, Description FROM Task WHERE WhatId = " + soqlString(whatID) + " AND Subject = " + soqlString(subject) + " ORDER BY CreatedDate"
	found := ""
	err := c.query(ctx, soql, func(_ int, records []json.RawMessage) error {
		for _, raw := range records {
			var t struct{ Id, Description string }
			if json.Unmarshal(raw, &t) == nil && found == "" && t.Id != "" && crm.HasMarker(t.Description, marker) {
				found = t.Id
			}
		}
		return nil
	})
	return found, err
}
