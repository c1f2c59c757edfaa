package models_test

import (
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// A comment's HTML is rendered once, when it is written, by the one
// sanitising renderer: what is stored is exactly RenderMarkdown of the
// source, on posting and again on an edit, and the thread hands it out.
func TestCommentHTMLIsRenderedOnWrite(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	idea := newIdea(t, db, ann, "Rendered on write")
	stored := func(id int64) string {
		var html string
		if err := db.Raw(`SELECT body_html FROM comments WHERE id = ?`, id).Scan(&html).Error; err != nil {
			t.Fatal(err)
		}
		return html
	}
	src := "**bold** <img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(2)</script>"
	c, err := models.CreateComment(ctx, db, ann, idea.ID, models.CommentInput{Body: src})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stored(c.ID), models.RenderMarkdown(src); got != want || !strings.Contains(got, "<strong>bold</strong>") ||
		strings.Contains(got, "<img") || strings.Contains(got, "<script") || strings.Contains(got, "javascript:") {
		t.Errorf("stored on create = %q, want %q", got, want)
	}
	edit := "now _edited_ with <b>typed</b> tags"
	if _, err := models.UpdateComment(ctx, db, ann, c.ID, edit); err != nil {
		t.Fatal(err)
	}
	if got, want := stored(c.ID), models.RenderMarkdown(edit); got != want || !strings.Contains(got, "<em>edited</em>") {
		t.Errorf("stored after edit = %q, want %q", got, want)
	}
	thread, err := firstThreadPage(t, db, nil, idea.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(thread) != 1 || thread[0].BodyHTML != models.RenderMarkdown(edit) {
		t.Errorf("thread = %+v", thread)
	}
}
