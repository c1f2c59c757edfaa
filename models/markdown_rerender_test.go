package models_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

// Posts stored before raw HTML was shown as text get their HTML rendered
// again; nothing else about them changes.
func TestRerenderMarkdownFixesStoredHTML(t *testing.T) {
	db := openDB(t)
	ann := newUser(t, db, "Ann")
	idea := newIdea(t, db, ann, "Keep the table layout")
	cm, err := models.CreateComment(ctx, db, ann, idea.ID, models.CommentInput{Body: "a <b>bold</b> claim"})
	if err != nil {
		t.Fatal(err)
	}
	// What the old renderer stored: the HTML dropped.
	const source = "keep the <table> layout and <b>bold</b>"
	if err := db.Exec(`UPDATE ideas SET body = ?, body_html = '<p>keep the  layout and bold</p>', updated_at = now() - interval '1 day' WHERE id = ?`, source, idea.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`UPDATE comments SET body_html = '<p>a bold claim</p>' WHERE id = ?`, cm.ID).Error; err != nil {
		t.Fatal(err)
	}
	var before time.Time
	db.Raw(`SELECT updated_at FROM ideas WHERE id = ?`, idea.ID).Scan(&before)

	n, err := models.RerenderMarkdown(ctx, db)
	if err != nil || n != 2 {
		t.Fatalf("RerenderMarkdown = %d, %v; want 2 rows changed", n, err)
	}
	var got struct {
		BodyHTML  string
		UpdatedAt time.Time
	}
	db.Raw(`SELECT body_html, updated_at FROM ideas WHERE id = ?`, idea.ID).Scan(&got)
	if !strings.Contains(got.BodyHTML, "keep the &lt;table&gt; layout and &lt;b&gt;bold&lt;/b&gt;") {
		t.Errorf("idea HTML after rerender: %q", got.BodyHTML)
	}
	if !got.UpdatedAt.Equal(before) {
		t.Errorf("rerender changed updated_at: %v → %v", before, got.UpdatedAt)
	}
	var commentHTML string
	db.Raw(`SELECT body_html FROM comments WHERE id = ?`, cm.ID).Scan(&commentHTML)
	if !strings.Contains(commentHTML, "&lt;b&gt;bold&lt;/b&gt;") {
		t.Errorf("comment HTML after rerender: %q", commentHTML)
	}
	if n, err := models.RerenderMarkdown(ctx, db); err != nil || n != 0 {
		t.Errorf("second run = %d, %v; want nothing left to change", n, err)
	}
}
