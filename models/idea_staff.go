package models

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// Moderators' tools on one idea beyond hide and restore (moderation.go):
// locking its discussion and correcting its title, category and tags.

// SetCommentsLocked locks or unlocks an idea's comments. While locked,
// members cannot comment, reply or edit their comments there; staff still
// can. Audited; setting the current state again changes nothing.
func SetCommentsLocked(ctx context.Context, db *gorm.DB, actor *User, ideaID int64, locked bool) (*Idea, error) {
	if !actor.HasRole(RoleModerator) {
		return nil, Forbidden("Only moderators can lock comments.")
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockIdea(tx, ideaID)
		if err != nil {
			return err
		}
		if idea.CommentsLocked == locked {
			return nil
		}
		if err := tx.Exec(`UPDATE ideas SET comments_locked = ?, updated_at = now() WHERE id = ?`, locked, ideaID).Error; err != nil {
			return err
		}
		action := "idea.lock_comments"
		if !locked {
			action = "idea.unlock_comments"
		}
		return audit(tx, actor, action, "idea", ideaID, map[string]any{"comments_locked": !locked}, map[string]any{"comments_locked": locked})
	})
	if err != nil {
		return nil, err
	}
	return IdeaByID(ctx, db, actor, ideaID)
}

// StaffEditInput is a moderator's correction of someone's idea: its title,
// category and tags (never the author's description).
type StaffEditInput struct {
	Title    string
	Category string
	Tags     []string
}

// StaffEditIdea lets a moderator correct the title, category and tags of
// anyone's idea, with the same rules as the author's own edit. The audit
// entry holds what changed (before and after) and the author is told.
// Submitting the idea unchanged changes, records and tells nothing.
func StaffEditIdea(ctx context.Context, db *gorm.DB, actor *User, id int64, in StaffEditInput) (*Idea, error) {
	if !actor.HasRole(RoleModerator) {
		return nil, Forbidden("Only moderators can edit other people's ideas.")
	}
	norm := IdeaInput{Title: in.Title, Category: in.Category, Tags: in.Tags}
	if err := norm.normalize(); err != nil {
		return nil, err
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockIdea(tx, id)
		if err != nil {
			return err
		}
		if idea.MergedIntoID != nil {
			return Conflict("This idea was merged into another one; edit that one instead.")
		}
		if idea.DeletedAt != nil {
			return Conflict("This idea was deleted.")
		}
		var cur struct {
			Category string
			Tags     Tags
		}
		if err := tx.Raw(`SELECT c.slug AS category, i.tags FROM ideas i JOIN categories c ON c.id = i.category_id WHERE i.id = ?`, id).
			Scan(&cur).Error; err != nil {
			return err
		}
		catID, err := categoryID(tx, norm.Category)
		if err != nil {
			return err
		}
		before, after := map[string]any{}, map[string]any{}
		var changes []string
		if idea.Title != norm.Title {
			before["title"], after["title"] = idea.Title, norm.Title
			changes = append(changes, `Title: "`+idea.Title+`" → "`+norm.Title+`"`)
		}
		if cur.Category != norm.Category {
			before["category"], after["category"] = cur.Category, norm.Category
			changes = append(changes, "Category: "+cur.Category+" → "+norm.Category)
		}
		oldTags, newTags := []string(cur.Tags), norm.Tags
		if oldTags == nil {
			oldTags = []string{}
		}
		if newTags == nil {
			newTags = []string{}
		}
		if !slices.Equal(oldTags, newTags) {
			before["tags"], after["tags"] = oldTags, newTags
			changes = append(changes, "Tags: "+tagList(oldTags)+" → "+tagList(newTags))
		}
		if len(changes) == 0 {
			return nil
		}
		if err := tx.Exec(`UPDATE ideas SET title = ?, category_id = ?, tags = ?, updated_at = now() WHERE id = ?`,
			norm.Title, catID, Tags(newTags), id).Error; err != nil {
			return err
		}
		if err := audit(tx, actor, "idea.edit", "idea", id, before, after); err != nil {
			return err
		}
		if err := RecordIdeaEvent(tx, EventIdeaUpdated, id, map[string]any{"changes": auditChanges(before, after)}); err != nil {
			return err
		}
		edited := &Idea{ID: id, Title: norm.Title}
		return notify(tx, notice{
			kind: KindEdited, ideaID: ptr(id), actorID: ptr(actor.ID),
			title: `A moderator edited your idea "` + norm.Title + `"`,
			body:  strings.Join(changes, "\n"),
			url:   edited.URL(),
		}, `SELECT ?::bigint`, idea.AuthorID)
	})
	if err != nil {
		return nil, err
	}
	return IdeaByID(ctx, db, actor, id)
}

func tagList(tags []string) string {
	if len(tags) == 0 {
		return "none"
	}
	return strings.Join(tags, ", ")
}
