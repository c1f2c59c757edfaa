package models

import (
	"strings"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Board columns are the built-in board's categories; trackers use the
// same names without "next" (tracker.Category*).
const (
	ColumnBacklog    = tracker.CategoryBacklog
	ColumnNext       = "next"
	ColumnInProgress = tracker.CategoryInProgress
	ColumnDone       = tracker.CategoryDone
	ColumnWontDo     = tracker.CategoryWontDo
)

// BoardColumns lists the columns in board order.
var BoardColumns = []string{ColumnBacklog, ColumnNext, ColumnInProgress, ColumnDone, ColumnWontDo}

var columnTitles = map[string]string{
	ColumnBacklog: "Backlog", ColumnNext: "Next", ColumnInProgress: "In progress", ColumnDone: "Done", ColumnWontDo: "Won't do",
}

// ColumnTitle names a column or category for people.
func ColumnTitle(c string) string {
	if t, ok := columnTitles[c]; ok {
		return t
	}
	return c
}

// syncItem records what a tracker says about an item now and, when its
// category moved, moves the idea (followTracker). The caller holds the
// item's row lock. Returns whether the category changed.
func syncItem(tx *gorm.DB, item *BacklogItem, it tracker.Item, actor *User) (bool, error) {
	moved, err := storeItem(tx, item, it)
	if err != nil || !moved {
		return false, err
	}
	idea, err := lockIdea(tx, item.IdeaID)
	if err != nil {
		return false, err
	}
	_, err = followTracker(tx, item, idea, actor, sourceText(item, false))
	return true, err
}

// storeItem writes the tracker's view of an item and says whether its
// category changed.
func storeItem(tx *gorm.DB, item *BacklogItem, it tracker.Item) (bool, error) {
	category := validCategory(it.Category)
	moved := category != item.Category
	item.Status, item.Category = clip(it.Status, 200), category
	if it.Key != "" {
		item.Key = clip(it.Key, 200)
	}
	if it.URL != "" {
		item.URL = clip(it.URL, 2000)
	}
	err := tx.Exec(`UPDATE backlog_items SET status = ?, category = ?, key = ?, url = ?, last_synced_at = now(),
		last_error = '', updated_at = now() WHERE id = ?`, item.Status, item.Category, item.Key, item.URL, item.ID).Error
	return moved, err
}

// sourceText is how the timeline names a tracker's step: "Jira PROJ-12
// moved to Done", "Built-in board card moved to Done".
func sourceText(item *BacklogItem, linked bool) string {
	name := item.sourceName()
	if item.Provider == ProviderInternal {
		name += " card"
	}
	if linked {
		return name + " added to the backlog (" + displayStatus(item) + ")"
	}
	return name + " moved to " + displayStatus(item)
}

// displayStatus is the tracker's own name for the status when it has one.
func displayStatus(item *BacklogItem) string {
	if s := strings.TrimSpace(item.Status); s != "" {
		return s
	}
	return item.CategoryName()
}

// followTracker moves the idea to the status its provider's mapping gives
// the item's category, in the caller's transaction: a timeline step naming
// the source ("Jira PROJ-12 moved to Done"), one notification per voter
// and follower, and the CRM write-backs. Nothing moves when staff locked
// the idea's status, the mapping says "staff decide", the idea already has
// that status, or the idea is merged or deleted. A status set by hand in
// between stays until the tracker next changes. Returns the timeline step
// when there was one.
func followTracker(tx *gorm.DB, item *BacklogItem, idea *Idea, actor *User, source string) (*StatusChange, error) {
	if idea.MergedIntoID != nil || idea.DeletedAt != nil {
		return nil, nil
	}
	var locked bool
	if err := tx.Raw(`SELECT status_locked FROM ideas WHERE id = ?`, idea.ID).Scan(&locked).Error; err != nil {
		return nil, err
	}
	var to *string
	if err := tx.Raw(`SELECT idea_status FROM backlog_status_mappings WHERE provider = ? AND category = ?`,
		item.Provider, item.Category).Scan(&to).Error; err != nil {
		return nil, err
	}
	if locked || to == nil || *to == idea.Status {
		return nil, nil
	}
	from := idea.Status
	if err := tx.Exec(`UPDATE ideas SET status = ?, staff_status_at = coalesce(staff_status_at, now()), updated_at = now(),
		shipped_at = CASE WHEN ? = 'shipped' THEN coalesce(shipped_at, now()) ELSE NULL END WHERE id = ?`,
		*to, *to, idea.ID).Error; err != nil {
		return nil, err
	}
	change := StatusChange{IdeaID: idea.ID, FromStatus: from, ToStatus: *to, Source: clip(source, 300)}
	if actor != nil {
		change.ActorID = &actor.ID
	}
	if err := tx.Omit("CreatedAt").Create(&change).Error; err != nil {
		return nil, err
	}
	if err := audit(tx, actor, "idea.status", "idea", idea.ID, map[string]string{"status": from},
		map[string]string{"status": *to, "source": change.Source}); err != nil {
		return nil, err
	}
	// The outbound event has the same shape as a staff change's; the
	// source (a tracker key) stays with staff.
	if err := RecordIdeaEvent(tx, EventIdeaStatusChanged, idea.ID, map[string]any{"changes": map[string]any{
		"status": map[string]string{"from": from, "to": *to}}, "note": ""}); err != nil {
		return nil, err
	}
	idea.Status = *to
	if err := notifyStatusChange(tx, idea, actor, from, *to, ""); err != nil {
		return nil, err
	}
	return &change, queueWriteBacks(tx, idea.ID, "status:"+itoa(change.ID), &change.ID)
}
