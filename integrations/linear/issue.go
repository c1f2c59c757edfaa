package linear

import (
	"context"
	"strings"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// issue is the part of Linear's Issue type Crowdwise reads.
type issue struct {
	ID          string `json:"id"`
	Identifier  string `json:"identifier"`
	URL         string `json:"url"`
	Description string `json:"description"`
	CreatedAt   string `json:"createdAt"`
	State       *struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"state"`
}

const issueFields = `id identifier url state { name type }`

func (is issue) item() tracker.Item {
	it := tracker.Item{ExternalID: is.ID, Key: is.Identifier, URL: is.URL, Category: tracker.CategoryBacklog}
	if is.State != nil {
		it.Status, it.Category = is.State.Name, Category(is.State.Type)
	}
	return it
}

// Create makes an issue in the configured team with the Markdown
// description ending in the marker line.
func (c *Client) Create(ctx context.Context, in tracker.CreateInput) (tracker.Item, error) {
	const q = `mutation CrowdwiseCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { ` + issueFields + ` } }
}`
	var res struct {
		IssueCreate struct {
			Success bool   `json:"success"`
			Issue   *issue `json:"issue"`
		} `json:"issueCreate"`
	}
	input := map[string]any{"teamId": c.cfg.TeamID, "title": in.Title, "description": in.Markdown()}
	if err := c.query(ctx, q, map[string]any{"input": input}, &res); err != nil {
		return tracker.Item{}, err
	}
	if !res.IssueCreate.Success || res.IssueCreate.Issue == nil {
		return tracker.Item{}, &tracker.APIError{Status: 200, Message: "Linear did not create the issue"}
	}
	return res.IssueCreate.Issue.item(), nil
}

// FindByMarker asks for the team's issues whose description contains the
// marker, then keeps those with the marker as a whole line ("…: 12" is
// contained in "…: 123") and returns the oldest.
func (c *Client) FindByMarker(ctx context.Context, ideaID int64) (*tracker.Item, error) {
	const q = `query CrowdwiseFind($filter: IssueFilter, $after: String) {
  issues(filter: $filter, first: 20, after: $after) {
    nodes { ` + issueFields + ` description createdAt }
    pageInfo { hasNextPage endCursor }
  }
}`
	marker := tracker.Marker(ideaID)
	filter := map[string]any{
		"team":        map[string]any{"id": map[string]any{"eq": c.cfg.TeamID}},
		"description": map[string]any{"contains": marker},
	}
	var best *issue
	var after any
	for page := 0; page < 50; page++ { // 1,000 near-matches is already absurd
		var res struct {
			Issues struct {
				Nodes    []issue `json:"nodes"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"issues"`
		}
		if err := c.query(ctx, q, map[string]any{"filter": filter, "after": after}, &res); err != nil {
			return nil, err
		}
		for i := range res.Issues.Nodes {
			is := &res.Issues.Nodes[i]
			if hasLine(is.Description, marker) && (best == nil || is.CreatedAt < best.CreatedAt) {
				best = is
			}
		}
		if !res.Issues.PageInfo.HasNextPage {
			break
		}
		after = res.Issues.PageInfo.EndCursor
	}
	if best == nil {
		return nil, nil
	}
	it := best.item()
	return &it, nil
}

func hasLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

// Get reads one issue by identifier, UUID or link.
func (c *Client) Get(ctx context.Context, keyOrURL string) (tracker.Item, error) {
	id, err := c.ParseKey(keyOrURL)
	if err != nil {
		return tracker.Item{}, err
	}
	const q = `query CrowdwiseGet($id: String!) { issue(id: $id) { ` + issueFields + ` } }`
	var res struct {
		Issue *issue `json:"issue"`
	}
	if err := c.query(ctx, q, map[string]any{"id": id}, &res); err != nil {
		return tracker.Item{}, err
	}
	if res.Issue == nil {
		return tracker.Item{}, tracker.ErrNotFound
	}
	return res.Issue.item(), nil
}
