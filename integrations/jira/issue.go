package jira

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// issue is the part of Jira's issue bean Crowdwise reads.
type issue struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Fields struct {
		Status *status `json:"status"`
	} `json:"fields"`
}

type status struct {
	Name           string `json:"name"`
	StatusCategory struct {
		Key string `json:"key"`
	} `json:"statusCategory"`
}

func (c *Client) item(is issue) tracker.Item {
	it := tracker.Item{ExternalID: is.ID, Key: is.Key, URL: c.browseURL(is.Key), Category: tracker.CategoryBacklog}
	if s := is.Fields.Status; s != nil {
		it.Status = s.Name
		it.Category = Category(s.Name, s.StatusCategory.Key)
	}
	return it
}

func (c *Client) browseURL(key string) string { return c.cfg.base() + "/browse/" + key }

// Create makes an issue in the configured project with the idea's text as
// ADF, the marker line, and the labels crowdwise and crowdwise-idea-<id>
// (the label is what FindByMarker searches).
func (c *Client) Create(ctx context.Context, in tracker.CreateInput) (tracker.Item, error) {
	req := map[string]any{"fields": map[string]any{
		"project":     map[string]string{"key": c.cfg.ProjectKey},
		"issuetype":   map[string]string{"name": c.cfg.issueType()},
		"summary":     summary(in.Title),
		"description": description(in),
		"labels":      []string{tracker.CommonLabel, tracker.Label(in.IdeaID)},
	}}
	var created struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	if err := c.do(ctx, "POST", "/rest/api/3/issue", nil, req, &created); err != nil {
		return tracker.Item{}, err
	}
	if created.Key == "" {
		return tracker.Item{}, &tracker.APIError{Status: 201, Message: "Jira created an issue but sent no key"}
	}
	// A new issue is in its workflow's first status; read it rather than guess.
	it, err := c.Get(ctx, created.Key)
	if err != nil {
		return tracker.Item{ExternalID: created.ID, Key: created.Key, URL: c.browseURL(created.Key), Category: tracker.CategoryBacklog}, nil
	}
	return it, nil
}

// summary fits Jira's 255-character limit on the summary field.
func summary(title string) string {
	r := []rune(title)
	if len(r) > 255 {
		return string(r[:254]) + "…"
	}
	return title
}

// FindByMarker searches the project for the issue labelled
// crowdwise-idea-<id>, oldest first, so a retried create adopts the first.
func (c *Client) FindByMarker(ctx context.Context, ideaID int64) (*tracker.Item, error) {
	q := url.Values{
		"jql": {fmt.Sprintf(`project = %s AND labels = "%s" ORDER BY created ASC`,
			strconv.Quote(c.cfg.ProjectKey), tracker.Label(ideaID))},
		"fields":     {"status"},
		"maxResults": {"1"},
	}
	var res struct {
		Issues []issue `json:"issues"`
	}
	if err := c.do(ctx, "GET", "/rest/api/3/search/jql", q, nil, &res); err != nil {
		return nil, err
	}
	if len(res.Issues) == 0 {
		return nil, nil
	}
	it := c.item(res.Issues[0])
	return &it, nil
}

// Get reads one issue's status by key or link.
func (c *Client) Get(ctx context.Context, keyOrURL string) (tracker.Item, error) {
	key, err := c.ParseKey(keyOrURL)
	if err != nil {
		return tracker.Item{}, err
	}
	var is issue
	if err := c.do(ctx, "GET", "/rest/api/3/issue/"+url.PathEscape(key), url.Values{"fields": {"status"}}, nil, &is); err != nil {
		return tracker.Item{}, err
	}
	return c.item(is), nil
}
