package models

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Moderate applies one staff action to a set of items in one transaction:
// all of it happens, with its audit entries and notifications, or none.
func Moderate(ctx context.Context, db *gorm.DB, actor *User, in ModerationInput) (*ModerationResult, error) {
	if !actor.HasRole(RoleModerator) {
		return nil, Forbidden("Only moderators can moderate content.")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	res := &ModerationResult{Items: []ItemState{}, Banned: []int64{}}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		items, err := loadItems(tx, in.Items)
		if err != nil {
			return err
		}
		if in.Action == ActBan {
			return banAuthors(tx, actor, items, in, res)
		}
		var extra []ItemRef
		if in.Action == ActSpam && in.AlsoHideAuthor {
			if extra, err = otherPostsOf(tx, items); err != nil {
				return err
			}
		}
		if err := lockIdeasOf(tx, items, extra); err != nil {
			return err
		}
		to, reason := ModVisible, ""
		switch in.Action {
		case ActHide:
			to, reason = ModHidden, in.Reason
		case ActSpam:
			to, reason = ModSpam, in.Reason
			if reason == "" {
				reason = "Marked as spam."
			}
		}
		for _, it := range items {
			st, err := setModeration(tx, actor, in.Action, it.ItemRef, to, reason)
			if err != nil {
				return err
			}
			res.Items = append(res.Items, *st)
		}
		for _, ref := range extra {
			if _, err := setModeration(tx, actor, ActHide, ref, ModHidden, "Hidden along with this member's spam."); err != nil {
				return err
			}
			res.Hidden++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// HideItem hides one idea or comment with a reason shown to its author.
func HideItem(ctx context.Context, db *gorm.DB, actor *User, ref ItemRef, reason string) (*ItemState, error) {
	return moderateOne(ctx, db, actor, ModerationInput{Action: ActHide, Items: []ItemRef{ref}, Reason: reason})
}

// RestoreItem makes a hidden, spam or pending idea or comment visible again.
func RestoreItem(ctx context.Context, db *gorm.DB, actor *User, ref ItemRef) (*ItemState, error) {
	return moderateOne(ctx, db, actor, ModerationInput{Action: ActRestore, Items: []ItemRef{ref}})
}

func moderateOne(ctx context.Context, db *gorm.DB, actor *User, in ModerationInput) (*ItemState, error) {
	res, err := Moderate(ctx, db, actor, in)
	if err != nil {
		return nil, err
	}
	return &res.Items[0], nil
}

// modItem is the part of an idea or comment moderation works with.
type modItem struct {
	ItemRef
	IdeaID     int64
	AuthorID   int64
	AuthorRole string
}

// loadItems resolves refs to items; an unknown id is a 404 naming it.
func loadItems(tx *gorm.DB, refs []ItemRef) ([]modItem, error) {
	var ideaIDs, commentIDs []int64
	for _, r := range refs {
		if r.Type == TargetIdea {
			ideaIDs = append(ideaIDs, r.ID)
		} else {
			commentIDs = append(commentIDs, r.ID)
		}
	}
	var rows []struct {
		Type       string
		ID         int64
		IdeaID     int64
		AuthorID   int64
		AuthorRole string
	}
	err := tx.Raw(`SELECT 'idea' AS type, i.id, i.id AS idea_id, i.author_id, u.role AS author_role
			FROM ideas i JOIN users u ON u.id = i.author_id WHERE i.id IN @ideas
		UNION ALL
		SELECT 'comment', c.id, c.idea_id, c.author_id, u.role
			FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id IN @comments`,
		map[string]any{"ideas": append(ideaIDs, 0), "comments": append(commentIDs, 0)}).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	found := map[ItemRef]modItem{}
	for _, r := range rows {
		ref := ItemRef{r.Type, r.ID}
		found[ref] = modItem{ref, r.IdeaID, r.AuthorID, r.AuthorRole}
	}
	items := make([]modItem, 0, len(refs))
	for _, r := range refs {
		it, ok := found[r]
		if !ok {
			return nil, NotFound("There is no " + r.Type + " with id " + itoa(r.ID) + ".")
		}
		items = append(items, it)
	}
	return items, nil
}

// lockIdeasOf takes the row lock of every idea the items live on, in id
// order: comment counters change under that lock (as in CreateComment), and
// a fixed order keeps two bulk actions from deadlocking each other.
func lockIdeasOf(tx *gorm.DB, items []modItem, extra []ItemRef) error {
	ids := []int64{0}
	for _, it := range items {
		ids = append(ids, it.IdeaID)
	}
	if len(extra) > 0 {
		var more []int64
		if err := tx.Raw(`SELECT idea_id FROM comments WHERE id IN ?`, append(refIDs(extra, TargetComment), 0)).
			Scan(&more).Error; err != nil {
			return err
		}
		ids = append(append(ids, more...), refIDs(extra, TargetIdea)...)
	}
	var locked []int64
	return tx.Raw(`SELECT id FROM ideas WHERE id IN ? ORDER BY id FOR UPDATE`, ids).Scan(&locked).Error
}

func refIDs(refs []ItemRef, typ string) []int64 {
	var ids []int64
	for _, r := range refs {
		if r.Type == typ {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// otherPostsOf lists the visible and pending posts of the items' authors
// that are not among the items. Staff content is never swept up this way.
func otherPostsOf(tx *gorm.DB, items []modItem) ([]ItemRef, error) {
	selected := map[ItemRef]bool{}
	authors := []int64{}
	for _, it := range items {
		selected[it.ItemRef] = true
		if it.AuthorRole != RoleMember {
			return nil, Forbidden("That " + it.Type + " was written by staff; their other content is not hidden in bulk.")
		}
		if !slices.Contains(authors, it.AuthorID) {
			authors = append(authors, it.AuthorID)
		}
	}
	var rows []ItemRef
	err := tx.Raw(`SELECT 'idea' AS type, id FROM ideas WHERE author_id IN @a AND moderation IN ('visible', 'pending') AND deleted_at IS NULL
		UNION ALL
		SELECT 'comment', id FROM comments WHERE author_id IN @a AND moderation IN ('visible', 'pending') AND deleted_at IS NULL
		ORDER BY 1 DESC, 2`, map[string]any{"a": authors}).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := rows[:0]
	for _, r := range rows {
		if !selected[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

// modRow is an idea or comment row as moderation reads it.
type modRow struct {
	ID               int64
	IdeaID           int64
	ParentID         *int64
	AuthorID         int64
	Body             string
	Moderation       string
	ModerationReason string
	StaffOnly        bool
	DeletedAt        *time.Time
	CreatedAt        time.Time
}

// counted reports whether a comment in this state is part of its idea's
// comment_count: visible, not deleted, not staff-only.
func (r *modRow) counted(moderation string) bool {
	return moderation == ModVisible && r.DeletedAt == nil && !r.StaffOnly
}

// setModeration moves one item to state `to`, resolves its open flags, keeps
// the idea's comment counter and trend score right, tells the author when it
// is hidden, and writes the audit entry, all in tx. The item's idea must
// already be locked (lockIdeasOf).
func setModeration(tx *gorm.DB, actor *User, action string, ref ItemRef, to, reason string) (*ItemState, error) {
	var row modRow
	q := `SELECT id, id AS idea_id, author_id, moderation, moderation_reason, false AS staff_only, deleted_at, created_at
		FROM ideas WHERE id = ? FOR UPDATE`
	if ref.Type == TargetComment {
		q = `SELECT id, idea_id, parent_id, author_id, body, moderation, moderation_reason, staff_only, deleted_at, created_at
			FROM comments WHERE id = ? FOR UPDATE`
	}
	if err := tx.Raw(q, ref.ID).Scan(&row).Error; err != nil {
		return nil, err
	}
	if row.ID == 0 {
		return nil, NotFound("There is no " + ref.Type + " with id " + itoa(ref.ID) + ".")
	}
	resolved, err := resolveFlags(tx, actor, ref.Type, ref.ID)
	if err != nil {
		return nil, err
	}
	st := &ItemState{Type: ref.Type, ID: ref.ID, IdeaID: row.IdeaID, AuthorID: row.AuthorID,
		Moderation: to, ModerationReason: reason, FlagsResolved: resolved}
	from := row.Moderation
	if from == to && row.ModerationReason == reason && resolved == 0 {
		return st, nil // nothing to do, nothing to record
	}
	table := "ideas"
	if ref.Type == TargetComment {
		table = "comments"
	}
	if err := tx.Exec(`UPDATE `+table+` SET moderation = ?, moderation_reason = ? WHERE id = ?`, to, reason, ref.ID).Error; err != nil {
		return nil, err
	}
	if ref.Type == TargetIdea {
		if err := tx.Exec(`UPDATE ideas SET updated_at = now() WHERE id = ?`, ref.ID).Error; err != nil {
			return nil, err
		}
		if from == ModPending && to == ModVisible { // announced now, as CreateIdea would have
			if err := RecordIdeaEvent(tx, EventIdeaCreated, ref.ID, nil); err != nil {
				return nil, err
			}
		}
	} else if err := recountComment(tx, &row, from, to); err != nil {
		return nil, err
	}
	if to == ModHidden && from != ModHidden && action == ActHide {
		if err := notifyHidden(tx, ref.Type, ref.ID, row.AuthorID, reason); err != nil {
			return nil, err
		}
	}
	before := map[string]any{"moderation": from, "moderation_reason": row.ModerationReason}
	after := map[string]any{"moderation": to, "moderation_reason": reason, "flags_resolved": resolved}
	if ref.Type == TargetComment {
		after["idea_id"] = row.IdeaID
	}
	return st, audit(tx, actor, ref.Type+"."+action, ref.Type, ref.ID, before, after)
}

// recountComment adjusts the idea's comment_count and trend score when a
// comment enters or leaves the visible discussion. The score term uses the
// comment's own time, so hiding takes back exactly what showing added. A
// pending comment approved for the first time is also announced now, as
// CreateComment would have done.
func recountComment(tx *gorm.DB, row *modRow, from, to string) error {
	was, is := row.counted(from), row.counted(to)
	switch {
	case !was && is:
		if err := tx.Exec(`UPDATE ideas SET comment_count = comment_count + 1, score = cw_trend_add(score, 1, ?) WHERE id = ?`,
			row.CreatedAt, row.IdeaID).Error; err != nil {
			return err
		}
		if from == ModPending {
			idea, err := lockIdea(tx, row.IdeaID)
			if err != nil {
				return err
			}
			c := &Comment{ID: row.ID, IdeaID: row.IdeaID, ParentID: row.ParentID, AuthorID: row.AuthorID, Body: row.Body,
				StaffOnly: row.StaffOnly, Moderation: to, CreatedAt: row.CreatedAt}
			if err := recordCommentEvent(tx, c); err != nil {
				return err
			}
			return notifyComment(tx, c, idea)
		}
	case was && !is:
		return tx.Exec(`UPDATE ideas SET comment_count = greatest(comment_count - 1, 0), score = cw_trend_sub(score, 1, ?) WHERE id = ?`,
			row.CreatedAt, row.IdeaID).Error
	}
	return nil
}

// banAuthors bans the distinct authors of items.
func banAuthors(tx *gorm.DB, actor *User, items []modItem, in ModerationInput, res *ModerationResult) error {
	until := in.Until
	if in.Permanent {
		until = nil
	}
	for _, it := range items {
		if slices.Contains(res.Banned, it.AuthorID) {
			continue
		}
		if _, err := banInTx(tx, actor, it.AuthorID, BanInput{Until: until, Reason: in.Reason}); err != nil {
			return err
		}
		res.Banned = append(res.Banned, it.AuthorID)
	}
	return nil
}
