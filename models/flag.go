package models

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Flag is a member's report about an idea or a comment. A member flags an
// item once; a moderator's decision on the item resolves every open flag.
type Flag struct {
	ID         int64      `json:"id"`
	TargetType string     `json:"target_type"`
	TargetID   int64      `json:"target_id"`
	UserID     int64      `json:"user_id"`
	Reason     string     `json:"reason"`
	Note       string     `json:"note"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	ResolvedBy *int64     `json:"resolved_by"`
	// IdeaURL is the page the flagged item is on, for redirecting back.
	IdeaURL string `json:"-" gorm:"-"`
}

// Flag reasons, in the order the form offers them.
var FlagReasons = []string{"spam", "abusive", "off_topic", "duplicate", "other"}

// FlagReasonLabels are the reasons as the form and queue show them.
var FlagReasonLabels = map[string]string{
	"spam": "Spam or advertising", "abusive": "Abusive or harassing", "off_topic": "Off topic",
	"duplicate": "Duplicate of another idea", "other": "Something else",
}

// Kinds of content that can be flagged and moderated.
const (
	TargetIdea    = "idea"
	TargetComment = "comment"
)

// FlagInput is a member's flag: one of FlagReasons and an optional note.
type FlagInput struct {
	Reason string
	Note   string
}

func (in *FlagInput) validate() error {
	v := &ValidationError{}
	in.Reason = strings.TrimSpace(in.Reason)
	in.Note = strings.TrimSpace(strings.ReplaceAll(in.Note, "\r\n", "\n"))
	if !slices.Contains(FlagReasons, in.Reason) {
		v.Add("reason", "Choose a reason: "+strings.Join(FlagReasons, ", ")+".")
	}
	if p := textProblem(in.Note); p != "" {
		v.Add("note", "The note "+p+".")
	} else if utf8.RuneCountInString(in.Note) > 500 {
		v.Add("note", "The note must be at most 500 characters.")
	}
	return v.Err()
}

// FlagContent records user's flag on an idea or comment. The item must be
// one the user can see and did not write. A second flag on the same item is
// a 409 Conflict (the first one stands, even after a moderator resolved it):
// one member cannot push an item up the queue by flagging it repeatedly.
func FlagContent(ctx context.Context, db *gorm.DB, user *User, targetType string, targetID int64, in FlagInput) (*Flag, error) {
	if user == nil {
		return nil, ErrUnauthorized
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var f Flag
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		target, err := flaggable(tx, user, targetType, targetID)
		if err != nil {
			return err
		}
		if err := checkBan(tx, user); err != nil {
			return err
		}
		if target.AuthorID == user.ID {
			return Forbidden("You can't flag your own " + targetType + "; edit or delete it instead.")
		}
		var rows []Flag
		err = tx.Raw(`INSERT INTO flags (target_type, target_id, user_id, reason, note) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (target_type, target_id, user_id) DO NOTHING RETURNING *`,
			targetType, targetID, user.ID, in.Reason, in.Note).Scan(&rows).Error
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return Conflict("You already flagged this " + targetType + ". Thanks, a moderator will look at it.")
		}
		f = rows[0]
		f.IdeaURL = (&Idea{ID: target.IdeaID, Title: target.IdeaTitle}).URL()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// flagTarget is what flagging needs to know about an item.
type flagTarget struct {
	AuthorID  int64
	IdeaID    int64
	IdeaTitle string
	Visible   bool
}

// flaggable loads an item user may see, or not found: hidden, pending,
// deleted and staff-only content cannot be flagged by members (they cannot
// see it), and neither can content on such an idea.
func flaggable(tx *gorm.DB, user *User, targetType string, targetID int64) (*flagTarget, error) {
	var t flagTarget
	var q string
	switch targetType {
	case TargetIdea:
		q = `SELECT i.author_id, i.id AS idea_id, i.title AS idea_title,
				i.moderation = 'visible' AND i.deleted_at IS NULL AS visible FROM ideas i WHERE i.id = ?`
	case TargetComment:
		q = `SELECT c.author_id, i.id AS idea_id, i.title AS idea_title,
				c.moderation = 'visible' AND c.deleted_at IS NULL AND NOT c.staff_only
				AND i.moderation = 'visible' AND i.deleted_at IS NULL AS visible
			FROM comments c JOIN ideas i ON i.id = c.idea_id WHERE c.id = ?`
	default:
		return nil, NotFound("Only ideas and comments can be flagged.")
	}
	if err := tx.Raw(q, targetID).Scan(&t).Error; err != nil {
		return nil, err
	}
	if t.AuthorID == 0 || (!t.Visible && !user.IsStaff()) {
		return nil, NotFound("We couldn't find that " + targetType + ".")
	}
	return &t, nil
}

// resolveFlags closes every open flag on an item as decided by actor and
// returns how many were open.
func resolveFlags(tx *gorm.DB, actor *User, targetType string, targetID int64) (int64, error) {
	res := tx.Exec(`UPDATE flags SET resolved_at = now(), resolved_by = ? WHERE target_type = ? AND target_id = ? AND resolved_at IS NULL`,
		actor.ID, targetType, targetID)
	return res.RowsAffected, res.Error
}

// ItemIdeaID returns the idea an idea or comment is on, when viewer may
// flag it (it is visible to them); otherwise it is not found.
func ItemIdeaID(ctx context.Context, db *gorm.DB, viewer *User, targetType string, targetID int64) (int64, error) {
	t, err := flaggable(db.WithContext(ctx), viewer, targetType, targetID)
	if err != nil {
		return 0, err
	}
	return t.IdeaID, nil
}
