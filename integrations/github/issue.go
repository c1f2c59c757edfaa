package github

import (
	"context"

	gh "github.com/google/go-github/v75/github"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Create opens an issue whose body ends with the marker line, labelled
// crowdwise and crowdwise-idea-<id> (GitHub makes missing labels; the
// per-idea label is what FindByMarker lists by).
func (c *Client) Create(ctx context.Context, in tracker.CreateInput) (tracker.Item, error) {
	if c.err != nil {
		return tracker.Item{}, c.err
	}
	owner, repo := c.cfg.ownerRepo()
	title, body := title(in.Title), in.Markdown()
	labels := []string{tracker.CommonLabel, tracker.Label(in.IdeaID)}
	is, _, err := c.gh.Issues.Create(ctx, owner, repo, &gh.IssueRequest{Title: &title, Body: &body, Labels: &labels})
	if err != nil {
		return tracker.Item{}, c.typed(err)
	}
	return c.item(is), nil
}

// title fits GitHub's 256-character limit.
func title(s string) string {
	r := []rune(s)
	if len(r) > 256 {
		return string(r[:255]) + "…"
	}
	return s
}

// FindByMarker lists the repository's issues (open and closed) carrying
// the idea's label, oldest first. Listing reads the database directly,
// unlike the search API whose index lags, so an issue created a moment
// before a crash is found.
func (c *Client) FindByMarker(ctx context.Context, ideaID int64) (*tracker.Item, error) {
	if c.err != nil {
		return nil, c.err
	}
	owner, repo := c.cfg.ownerRepo()
	opts := &gh.IssueListByRepoOptions{
		State: "all", Labels: []string{tracker.Label(ideaID)}, Sort: "created", Direction: "asc",
		ListOptions: gh.ListOptions{PerPage: 5}, // issue objects are large; the outbound client caps responses
	}
	for {
		list, resp, err := c.gh.Issues.ListByRepo(ctx, owner, repo, opts)
		if err != nil {
			return nil, c.typed(err)
		}
		for _, is := range list {
			if !is.IsPullRequest() { // the issues API lists pull requests too
				it := c.item(is)
				return &it, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.ListOptions.Page = resp.NextPage
	}
}

// Get reads one issue by key or link.
func (c *Client) Get(ctx context.Context, keyOrURL string) (tracker.Item, error) {
	if c.err != nil {
		return tracker.Item{}, c.err
	}
	owner, repo, n, err := c.parse(keyOrURL)
	if err != nil {
		return tracker.Item{}, err
	}
	is, _, err := c.gh.Issues.Get(ctx, owner, repo, n)
	if err != nil {
		return tracker.Item{}, c.typed(err)
	}
	if is.IsPullRequest() {
		return tracker.Item{}, tracker.InvalidKey("#%d is a pull request, not an issue", n)
	}
	return c.item(is), nil
}
