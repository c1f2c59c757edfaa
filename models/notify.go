package models

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// The notify* functions record in-app notifications and queue emails for an
// event, inside the transaction of the change itself: the notification, its
// email job and the change commit or roll back together, so an email is
// never lost to a crash and never sent for a change that did not happen.
// They skip the actor and deleted users. Emails go only to verified
// addresses and follow each recipient's preference for the kind (see
// DefaultModes): immediate queues an "email" job now, digest leaves the row
// for the daily digest, off keeps it in-app only.

// notice is one event to record for a set of recipients.
type notice struct {
	kind      string
	ideaID    *int64
	commentID *int64
	actorID   *int64
	mergeID   *int64 // the merge a "merged" notice reports; unmerge removes it
	title     string
	body      string
	url       string
}

// notify records n for every user id the recipients query returns, except
// the actor and deleted users, and queues an email job for each recipient
// who wants this kind at once: one statement for the notifications and one
// batch insert of River jobs, however many followers an idea has.
func notify(tx *gorm.DB, n notice, recipients string, args ...any) error {
	// Parameters in a SELECT list have no type to infer; the casts give
	// them the column types.
	q := `WITH n AS (
		INSERT INTO notifications (user_id, kind, idea_id, comment_id, actor_id, merge_id, title, body, url)
		SELECT u.id, ?::text, ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::text, ?::text, ?::text FROM users u
		WHERE u.id IN (` + recipients + `) AND u.deleted_at IS NULL AND u.id IS DISTINCT FROM ?::bigint
		RETURNING id, user_id, kind)
	SELECT n.id FROM n JOIN users u ON u.id = n.user_id
	LEFT JOIN notification_prefs p ON p.user_id = n.user_id AND p.kind = n.kind
	WHERE u.email IS NOT NULL AND u.email_verified AND ` + modeSQL("n", "p") + ` = '` + ModeImmediate + `'
	ORDER BY n.id`
	all := append([]any{n.kind, n.ideaID, n.commentID, n.actorID, n.mergeID, clip(n.title, 300), clip(n.body, 2000), n.url}, args...)
	all = append(all, n.actorID)
	var ids []int64
	if err := tx.Raw(q, all...).Scan(&ids).Error; err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(ids))
	for _, id := range ids {
		params = append(params, river.InsertManyParams{Args: emailArgs{NotificationID: id}})
	}
	return insertJobs(tx.Statement.Context, tx, params)
}

// statusTitles name statuses in notification titles.
var statusTitles = map[string]string{
	StatusOpen: "Open", StatusUnderReview: "Under review", StatusPlanned: "Planned", StatusInProgress: "In progress",
	StatusShipped: "Shipped", StatusDeclined: "Declined", StatusMerged: "Merged",
}

func statusTitle(s string) string {
	if t, ok := statusTitles[s]; ok {
		return t
	}
	return s
}

// clip shortens text to n characters, ending with an ellipsis when cut.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}

func ptr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// fillIdea loads the id, title and author of idea when the caller passed
// only part of it.
func fillIdea(tx *gorm.DB, idea *Idea) error {
	if idea.Title != "" && idea.AuthorID != 0 {
		return nil
	}
	var row struct {
		Title    string
		AuthorID int64
	}
	if err := tx.Raw(`SELECT title, author_id FROM ideas WHERE id = ?`, idea.ID).Scan(&row).Error; err != nil {
		return err
	}
	if idea.Title == "" {
		idea.Title = row.Title
	}
	if idea.AuthorID == 0 {
		idea.AuthorID = row.AuthorID
	}
	return nil
}

// notifyStatusChange tells followers and voters of idea about a new status,
// or about a new note when the status stayed the same.
func notifyStatusChange(tx *gorm.DB, idea *Idea, actor *User, from, to, note string) error {
	if idea == nil || (from == to && strings.TrimSpace(note) == "") {
		return nil
	}
	if err := fillIdea(tx, idea); err != nil {
		return err
	}
	title := `"` + idea.Title + `" is now ` + statusTitle(to)
	if from == to {
		title = `Update on "` + idea.Title + `" (` + statusTitle(to) + `)`
	}
	// The note's rendered text, by the rule of the body_text columns.
	var text string
	if err := tx.Raw(`SELECT cw_html_text(?)`, md.render(note)).Scan(&text).Error; err != nil {
		return err
	}
	return notify(tx, notice{
		kind: KindStatusChange, ideaID: ptr(idea.ID), actorID: ptr(viewerID(actor)),
		title: title, body: text, url: idea.URL(),
	}, `SELECT user_id FROM follows WHERE idea_id = ? UNION SELECT user_id FROM votes WHERE idea_id = ?`, idea.ID, idea.ID)
}

// Titles that name the actor. They are format strings for both Go's
// fmt.Sprintf and PostgreSQL's format(), so erasing an account can rewrite
// the titles already stored with "deleted user" in the name's place.
const (
	replyTitle   = `%s replied to your comment on "%s"`
	commentTitle = `%s commented on "%s"`
)

// staffOnlySQL narrows recipients of a staff-only note to staff.
const staffOnlySQL = ` AND user_id IN (SELECT id FROM users WHERE role IN ('moderator', 'product_manager', 'admin'))`

// notifyComment tells the parent comment's author about a reply and the
// idea's followers about a new comment.
func notifyComment(tx *gorm.DB, c *Comment, idea *Idea) error {
	if err := fillIdea(tx, idea); err != nil {
		return err
	}
	var commenter, text string
	if err := tx.Raw(`SELECT name FROM users WHERE id = ?`, c.AuthorID).Scan(&commenter).Error; err != nil {
		return err
	}
	// The rendered text, not the Markdown source (*this*, [a](link)).
	if err := tx.Raw(`SELECT body_text FROM comments WHERE id = ?`, c.ID).Scan(&text).Error; err != nil {
		return err
	}
	url := CommentURL(idea.URL(), c.ID, "")
	scope := ""
	if c.StaffOnly {
		scope = staffOnlySQL
	}
	var replyTo int64
	if c.ParentID != nil {
		if err := tx.Raw(`SELECT author_id FROM comments WHERE id = ?`, *c.ParentID).Scan(&replyTo).Error; err != nil {
			return err
		}
		if replyTo != c.AuthorID && replyTo != 0 {
			err := notify(tx, notice{
				kind: KindReply, ideaID: ptr(idea.ID), commentID: ptr(c.ID), actorID: ptr(c.AuthorID),
				title: fmt.Sprintf(replyTitle, commenter, idea.Title), body: clip(text, 300), url: url,
			}, `SELECT id AS user_id FROM users WHERE id = ?`+scope, replyTo)
			if err != nil {
				return err
			}
		}
	}
	// The reply's recipient already has the more specific notification.
	return notify(tx, notice{
		kind: KindComment, ideaID: ptr(idea.ID), commentID: ptr(c.ID), actorID: ptr(c.AuthorID),
		title: fmt.Sprintf(commentTitle, commenter, idea.Title), body: clip(text, 300), url: url,
	}, `SELECT user_id FROM follows WHERE idea_id = ? AND user_id <> ?`+scope, idea.ID, replyTo)
}

// notifyMerged tells the source idea's author that it was merged into
// target; the notification names the merge (mergeID, 0 for none) so that
// unmerging takes it back.
func notifyMerged(tx *gorm.DB, source, target *Idea, actor *User, mergeID int64) error {
	if err := fillIdea(tx, source); err != nil {
		return err
	}
	if err := fillIdea(tx, target); err != nil {
		return err
	}
	return notify(tx, notice{
		kind: KindMerged, ideaID: ptr(target.ID), actorID: ptr(viewerID(actor)), mergeID: ptr(mergeID),
		title: `Your idea "` + source.Title + `" was merged into "` + target.Title + `"`,
		body:  "The team found the same idea posted twice. Votes and followers now count towards the combined idea; follow it there.",
		url:   target.URL(),
	}, `SELECT ?::bigint`, source.AuthorID)
}

// notifyUnmerged takes back the notifications merge mergeID sent, which no
// longer hold (an email not yet sent is then skipped by its job), and tells
// the source's author and the followers who moved back with it that the
// source is its own idea again.
func notifyUnmerged(tx *gorm.DB, source, target *Idea, actor *User, mergeID int64, followers []int64) error {
	if err := tx.Exec(`DELETE FROM notifications WHERE merge_id = ?`, mergeID).Error; err != nil {
		return err
	}
	if err := fillIdea(tx, source); err != nil {
		return err
	}
	if err := fillIdea(tx, target); err != nil {
		return err
	}
	err := notify(tx, notice{
		kind: KindUnmerged, ideaID: ptr(source.ID), actorID: ptr(viewerID(actor)),
		title: `Your idea "` + source.Title + `" is its own idea again`,
		body:  `A moderator undid its merge into "` + target.Title + `". Its votes, comments and followers are back on it.`,
		url:   source.URL(),
	}, `SELECT ?::bigint`, source.AuthorID)
	if err != nil || len(followers) == 0 {
		return err
	}
	// Only those whose follow is back on the source: someone who unfollowed
	// the combined idea meanwhile did not move back.
	return notify(tx, notice{
		kind: KindUnmerged, ideaID: ptr(source.ID), actorID: ptr(viewerID(actor)),
		title: `"` + source.Title + `" is its own idea again`,
		body:  `A moderator undid its merge into "` + target.Title + `". You follow it again on its own page.`,
		url:   source.URL(),
	}, `SELECT user_id FROM follows WHERE idea_id = ? AND user_id IN ? AND user_id <> ?`, source.ID, followers, source.AuthorID)
}

// notifyHidden tells an author that their idea or comment was hidden.
func notifyHidden(tx *gorm.DB, targetType string, targetID, authorID int64, reason string) error {
	n := notice{kind: KindHidden, body: reason}
	idea := &Idea{ID: targetID}
	switch targetType {
	case "idea":
		if err := fillIdea(tx, idea); err != nil {
			return err
		}
		n.title = `Your idea "` + idea.Title + `" was hidden by a moderator`
		n.url = idea.URL()
	case "comment":
		if err := tx.Raw(`SELECT idea_id FROM comments WHERE id = ?`, targetID).Scan(&idea.ID).Error; err != nil {
			return err
		}
		if err := fillIdea(tx, idea); err != nil {
			return err
		}
		n.commentID = ptr(targetID)
		n.title = `Your comment on "` + idea.Title + `" was hidden by a moderator`
		n.url = CommentURL(idea.URL(), targetID, "")
	default:
		return fmt.Errorf("notifyHidden: unknown target type %q", targetType)
	}
	if idea.Title == "" {
		return fmt.Errorf("notifyHidden: %s %d not found", targetType, targetID)
	}
	n.ideaID = ptr(idea.ID)
	return notify(tx, n, `SELECT ?::bigint`, authorID)
}
