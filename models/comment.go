package models

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// MaxDepth is the deepest reply level shown indented (0-based: six levels).
const MaxDepth = 5

// CommentEditWindow is how long authors may edit a comment.
const CommentEditWindow = 15 * time.Minute

// Comment is one message in an idea's discussion.
type Comment struct {
	ID               int64
	IdeaID           int64
	ParentID         *int64
	AuthorID         int64
	AuthorName       string `gorm:"->"`
	AuthorRole       string `gorm:"->"` // the author's role now, for the Team badge
	Body             string
	BodyHTML         string
	Depth            int
	Moderation       string
	ModerationReason string
	StaffOnly        bool
	OriginIdeaID     *int64
	OriginTitle      *string `gorm:"->"`
	CreatedAt        time.Time
	EditedAt         *time.Time
	DeletedAt        *time.Time
	Replies          []*Comment `gorm:"-"`
}

// Deleted reports whether the comment shows as "deleted".
func (c *Comment) Deleted() bool { return c.DeletedAt != nil }

// ByTeam reports whether the author is staff now (moderator, product
// manager or admin), for the "Team" badge.
func (c *Comment) ByTeam() bool { return (&User{Role: c.AuthorRole}).IsStaff() }

// errCommentsLocked refuses members' comments, replies and edits on an idea
// whose discussion a moderator locked.
var errCommentsLocked = Forbidden("Comments on this idea are locked by the moderators.")

// EditableBy reports whether u may still edit the comment.
func (c *Comment) EditableBy(u *User) bool {
	return u != nil && u.ID == c.AuthorID && c.DeletedAt == nil && time.Since(c.CreatedAt) < CommentEditWindow
}

// CommentInput is a new comment or reply. StaffOnly makes it a team note
// that only staff see (and that does not count as public discussion).
type CommentInput struct {
	Body      string
	ParentID  *int64
	StaffOnly bool
}

func validateCommentBody(body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	v := &ValidationError{}
	if p := textProblem(body); p != "" {
		v.Add("body", "Comment "+p+".")
	} else if body == "" {
		v.Add("body", "Please write a comment.")
	} else if utf8.RuneCountInString(body) > 5000 {
		v.Add("body", "Comments must be at most 5,000 characters.")
	}
	return body, v.Err()
}

// CreateComment adds a comment or reply. Replies below MaxDepth attach at
// the deepest level, next to their parent.
func CreateComment(ctx context.Context, db *gorm.DB, author *User, ideaID int64, in CommentInput) (*Comment, error) {
	if author == nil {
		return nil, ErrUnauthorized
	}
	body, err := validateCommentBody(in.Body)
	if err != nil {
		return nil, err
	}
	if in.StaffOnly && !author.IsStaff() {
		return nil, Forbidden("Only staff can write staff-only notes.")
	}
	var id int64
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockIdea(tx, ideaID)
		if err != nil {
			return err
		}
		if (idea.Moderation != "visible" || idea.DeletedAt != nil) && idea.AuthorID != author.ID && !author.IsStaff() {
			return NotFound("We couldn't find that idea.")
		}
		if idea.MergedIntoID != nil {
			return Conflict("This idea was merged into another one; please comment there.")
		}
		if idea.DeletedAt != nil {
			return Conflict("This idea was deleted.")
		}
		if idea.CommentsLocked && !author.IsStaff() {
			return errCommentsLocked
		}
		depth, parent := 0, in.ParentID
		if parent != nil {
			var p Comment
			err := tx.Where("id = ? AND idea_id = ?", *parent, ideaID).Take(&p).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return &ValidationError{Fields: map[string]string{"parent_id": "You can only reply to a comment on this idea."}}
			}
			if err != nil {
				return err
			}
			depth = p.Depth + 1
			if depth > MaxDepth {
				depth, parent = MaxDepth, p.ParentID
			}
		}
		moderation, err := checkPost(tx, author, PostComment, body)
		if err != nil {
			return err
		}
		err = tx.Raw(`INSERT INTO comments (idea_id, parent_id, author_id, body, body_html, depth, moderation, staff_only)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, ideaID, parent, author.ID, body, md.render(body), depth, moderation, in.StaffOnly).
			Scan(&id).Error
		if err != nil {
			return err
		}
		if moderation != "visible" {
			return nil // counted and announced when a moderator approves it
		}
		if in.StaffOnly {
			// Not part of the public discussion: no count, no trend term.
			return notifyComment(tx, &Comment{ID: id, IdeaID: ideaID, ParentID: in.ParentID, AuthorID: author.ID, Body: body, StaffOnly: true}, idea)
		}
		if err := tx.Exec(`UPDATE ideas SET comment_count = comment_count + 1, score = cw_trend_add(score, 1, now())
			WHERE id = ?`, ideaID).Error; err != nil {
			return err
		}
		if err := recordCommentEvent(tx, &Comment{ID: id, IdeaID: ideaID, ParentID: in.ParentID, AuthorID: author.ID, Body: body,
			Moderation: moderation, CreatedAt: time.Now().UTC()}); err != nil {
			return err
		}
		// The person replied to hears about it, even when the reply was
		// attached one level up for depth.
		return notifyComment(tx, &Comment{ID: id, IdeaID: ideaID, ParentID: in.ParentID, AuthorID: author.ID, Body: body}, idea)
	})
	if err != nil {
		return nil, err
	}
	return commentByID(ctx, db, id)
}

func commentByID(ctx context.Context, db *gorm.DB, id int64) (*Comment, error) {
	var cs []Comment
	err := db.WithContext(ctx).Raw(`SELECT `+commentSelect+commentFrom+` WHERE c.id = ?`, id).Scan(&cs).Error
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, NotFound("We couldn't find that comment.")
	}
	return &cs[0], nil
}

// ownComment loads a comment for its author to change.
func ownComment(tx *gorm.DB, actor *User, id int64) (*Comment, error) {
	var c Comment
	err := tx.Raw(`SELECT * FROM comments WHERE id = ? FOR UPDATE`, id).Scan(&c).Error
	if err != nil {
		return nil, err
	}
	if c.ID == 0 {
		return nil, NotFound("We couldn't find that comment.")
	}
	if actor == nil || c.AuthorID != actor.ID {
		return nil, Forbidden("Only the author can change this comment.")
	}
	if c.DeletedAt != nil {
		return nil, Conflict("This comment was deleted.")
	}
	return &c, nil
}

// CommentToDelete returns a comment actor may delete (their own, not yet
// deleted), with DeleteComment's checks, for its confirm page.
func CommentToDelete(ctx context.Context, db *gorm.DB, actor *User, id int64) (*Comment, error) {
	var c *Comment
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		c, err = ownComment(tx, actor, id)
		return err
	})
	return c, err
}

// UpdateComment edits a comment within the edit window.
func UpdateComment(ctx context.Context, db *gorm.DB, actor *User, id int64, bodyIn string) (*Comment, error) {
	body, err := validateCommentBody(bodyIn)
	if err != nil {
		return nil, err
	}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := ownComment(tx, actor, id)
		if err != nil {
			return err
		}
		if err := checkBan(tx, actor); err != nil {
			return err
		}
		if !c.EditableBy(actor) {
			return Forbidden("Comments can only be edited for 15 minutes after posting.")
		}
		if !actor.IsStaff() {
			var locked bool
			if err := tx.Raw(`SELECT comments_locked FROM ideas WHERE id = ?`, c.IdeaID).Scan(&locked).Error; err != nil {
				return err
			}
			if locked {
				return errCommentsLocked
			}
		}
		return tx.Exec(`UPDATE comments SET body = ?, body_html = ?, edited_at = now() WHERE id = ?`, body, md.render(body), id).Error
	})
	if err != nil {
		return nil, err
	}
	return commentByID(ctx, db, id)
}

// DeleteComment soft-deletes a comment (replies stay, the text goes) and
// returns the idea it was on.
func DeleteComment(ctx context.Context, db *gorm.DB, actor *User, id int64) (ideaID int64, err error) {
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := ownComment(tx, actor, id)
		if err != nil {
			return err
		}
		ideaID = c.IdeaID
		if _, err := lockIdea(tx, c.IdeaID); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE comments SET deleted_at = now() WHERE id = ?`, id).Error; err != nil {
			return err
		}
		if c.StaffOnly || c.Moderation != "visible" {
			return nil
		}
		return tx.Exec(`UPDATE ideas SET comment_count = comment_count - 1, score = cw_trend_sub(score, 1, ?)
			WHERE id = ? AND comment_count > 0`, c.CreatedAt, c.IdeaID).Error
	})
	return ideaID, err
}

const commentSelect = `c.id, c.idea_id, c.parent_id, c.author_id,
	CASE WHEN u.deleted_at IS NULL THEN u.name ELSE 'deleted user' END AS author_name,
	CASE WHEN u.deleted_at IS NULL THEN u.role ELSE 'member' END AS author_role,
	CASE WHEN c.deleted_at IS NULL THEN c.body ELSE '' END AS body,
	CASE WHEN c.deleted_at IS NULL THEN c.body_html ELSE '' END AS body_html,
	c.depth, c.moderation, c.moderation_reason, c.staff_only, c.origin_idea_id, o.title AS origin_title, c.created_at, c.edited_at, c.deleted_at`

const commentFrom = ` FROM comments c JOIN users u ON u.id = c.author_id LEFT JOIN ideas o ON o.id = c.origin_idea_id`
