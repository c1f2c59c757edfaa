package models

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// StatusChange is one step of an idea's public timeline.
type StatusChange struct {
	ID          int64
	IdeaID      int64
	FromStatus  string
	ToStatus    string
	Note        string
	NoteHTML    string
	ReleaseNote string
	ReleaseHTML string
	ActorID     *int64
	ActorName   string `gorm:"->"`
	CreatedAt   time.Time
	// Source names the tracker when one moved the status ("Jira PROJ-12
	// moved to Done"); staff see it, the public sees "the backlog".
	Source string
}

func (StatusChange) TableName() string { return "idea_status_changes" }

// StatusInput is a staff status change with its public note.
type StatusInput struct {
	Status      string
	Note        string
	ReleaseNote string
}

func (in *StatusInput) validate() error {
	v := &ValidationError{}
	in.Status = strings.TrimSpace(in.Status)
	if !slices.Contains(Statuses, in.Status) || in.Status == StatusMerged {
		v.Add("status", "Choose one of open, under_review, planned, in_progress, shipped, declined (merge ideas with Merge).")
	}
	in.Note, in.ReleaseNote = strings.TrimSpace(in.Note), strings.TrimSpace(in.ReleaseNote)
	for field, s := range map[string]string{"note": in.Note, "release_note": in.ReleaseNote} {
		if p := textProblem(s); p != "" {
			v.Add(field, "The note "+p+".")
		} else if utf8.RuneCountInString(s) > 5000 {
			v.Add(field, "Notes must be at most 5,000 characters.")
		}
	}
	if in.ReleaseNote != "" && in.Status != StatusShipped {
		v.Add("release_note", "Release notes go with the shipped status.")
	}
	return v.Err()
}

// SetStatus moves an idea to a new status with a public note, records the
// step in the timeline and the audit log, and tells followers and voters,
// all in one transaction.
func SetStatus(ctx context.Context, db *gorm.DB, actor *User, ideaID int64, in StatusInput) (*Idea, error) {
	if !actor.IsStaff() {
		return nil, Forbidden("Only staff can change an idea's status.")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockIdea(tx, ideaID)
		if err != nil {
			return err
		}
		if idea.MergedIntoID != nil {
			return Conflict("This idea was merged; change the status of the idea it was merged into.")
		}
		if idea.DeletedAt != nil {
			return Conflict("This idea was deleted by its author.")
		}
		from := idea.Status
		if from == in.Status && in.Note == "" && in.ReleaseNote == "" {
			return nil
		}
		err = tx.Exec(`UPDATE ideas SET status = ?, staff_status_at = coalesce(staff_status_at, now()), updated_at = now(),
			shipped_at = CASE WHEN ? = 'shipped' THEN coalesce(shipped_at, now()) ELSE NULL END WHERE id = ?`,
			in.Status, in.Status, ideaID).Error
		if err != nil {
			return err
		}
		change := StatusChange{IdeaID: ideaID, FromStatus: from, ToStatus: in.Status, Note: in.Note, NoteHTML: md.render(in.Note),
			ReleaseNote: in.ReleaseNote, ReleaseHTML: md.render(in.ReleaseNote), ActorID: &actor.ID}
		if err := tx.Omit("CreatedAt").Create(&change).Error; err != nil {
			return err
		}
		if err := audit(tx, actor, "idea.status", "idea", ideaID, map[string]string{"status": from},
			map[string]string{"status": in.Status, "note": in.Note, "release_note": in.ReleaseNote}); err != nil {
			return err
		}
		if err := notifyStatusChange(tx, idea, actor, from, in.Status, in.Note); err != nil {
			return err
		}
		if from == in.Status {
			return nil // a note alone is no status change
		}
		return RecordIdeaEvent(tx, EventIdeaStatusChanged, ideaID, map[string]any{"changes": map[string]any{
			"status": map[string]string{"from": from, "to": in.Status}}, "note": in.Note})
	})
	if err != nil {
		return nil, err
	}
	return IdeaByID(ctx, db, actor, ideaID)
}

// StatusHistory is an idea's timeline, oldest first.
func StatusHistory(ctx context.Context, db *gorm.DB, ideaID int64) ([]StatusChange, error) {
	var out []StatusChange
	err := db.WithContext(ctx).Raw(`SELECT s.*, CASE WHEN u.deleted_at IS NULL THEN coalesce(u.name, '') ELSE 'deleted user' END AS actor_name
		FROM idea_status_changes s LEFT JOIN users u ON u.id = s.actor_id
		WHERE s.idea_id = ? ORDER BY s.created_at, s.id LIMIT 200`, ideaID).Scan(&out).Error
	return out, err
}
