package models_test

import (
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// markdownBody uses the syntax that leaked into excerpts: emphasis, links,
// lists, code and characters the HTML escapes.
const markdownBody = "Sync *everything* to [WCAG 2.2: Focus Appearance](https://example.com/wcag) & **more**.\n\n" +
	"- one\n- two\n\n> quoted\n\nUse `a < b` and \"quotes\", it's fine. Literal &amp;lt; stays.\n\n```\ncode_block()\n```"

const markdownText = `Sync everything to WCAG 2.2: Focus Appearance & more. one two quoted Use a < b and "quotes", it's fine. Literal &lt; stays. code_block()`

// Ideas and comments keep the text of their rendered HTML beside the
// source, in step on every write; search snippets are made from it.
func TestBodyTextIsTheRenderedText(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	idea, err := models.CreateIdea(ctx, db, ann, models.IdeaInput{Title: "Plain text excerpts", Body: markdownBody})
	if err != nil {
		t.Fatal(err)
	}
	if idea.BodyText != markdownText {
		t.Errorf("body text\n got %q\nwant %q", idea.BodyText, markdownText)
	}
	idea, err = models.UpdateIdea(ctx, db, ann, idea.ID, models.IdeaInput{Title: idea.Title, Body: "Now _only_ this"})
	if err != nil || idea.BodyText != "Now only this" {
		t.Errorf("after an edit: %q %v", idea.BodyText, err)
	}
	c, err := models.CreateComment(ctx, db, ann, idea.ID, models.CommentInput{Body: markdownBody})
	if err != nil {
		t.Fatal(err)
	}
	var text string
	db.Raw(`SELECT body_text FROM comments WHERE id = ?`, c.ID).Scan(&text)
	if text != markdownText {
		t.Errorf("comment text\n got %q\nwant %q", text, markdownText)
	}

	models.UpdateIdea(ctx, db, ann, idea.ID, models.IdeaInput{Title: idea.Title, Body: markdownBody})
	res, err := models.Search(ctx, db, nil, "everything", models.NewPage(1, 10))
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("search: %v %+v", err, res)
	}
	snippet := string(res.Hits[0].Snippet)
	if !strings.Contains(snippet, "<mark>everything</mark>") || strings.ContainsAny(snippet, "*[]`") || strings.Contains(snippet, "https://") {
		t.Errorf("snippet shows Markdown: %s", snippet)
	}
	if !strings.Contains(snippet, "&amp;") {
		t.Errorf("snippet is not HTML-escaped: %s", snippet)
	}
}
