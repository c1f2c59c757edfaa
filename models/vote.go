package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// VoteState is the result of a vote or unvote.
type VoteState struct {
	VoteCount int  `json:"vote_count"`
	Voted     bool `json:"voted"`
}

// lockIdea takes the idea's row lock for the rest of tx. Votes, comments,
// follows and merges all take it first, so a merge or status change can
// never interleave with a counter update.
func lockIdea(tx *gorm.DB, id int64) (*Idea, error) {
	var i Idea
	err := tx.Table("ideas").Clauses(clause.Locking{Strength: "UPDATE"}).
		Select("id, status, moderation, merged_into_id, deleted_at, vote_count, author_id, title, staff_status_at, comments_locked").
		Where("id = ?", id).Take(&i).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("We couldn't find that idea.")
	}
	return &i, err
}

// lockVisibleIdea locks an idea that user may see: hidden and pending ideas
// are not found for anyone but their author and staff.
func lockVisibleIdea(tx *gorm.DB, user *User, id int64) (*Idea, error) {
	idea, err := lockIdea(tx, id)
	if err != nil {
		return nil, err
	}
	if idea.Moderation != "visible" && idea.AuthorID != user.ID && !user.IsStaff() {
		return nil, NotFound("We couldn't find that idea.")
	}
	return idea, nil
}

// closedReason explains why an idea takes no votes, for the 409 message.
func closedReason(i *Idea) string {
	switch {
	case i.DeletedAt != nil || i.Moderation != "visible":
		return "This idea is not open for voting."
	case i.MergedIntoID != nil || i.Status == StatusMerged:
		return "This idea was merged into another one; vote there instead."
	case i.Status == StatusShipped:
		return "This idea has shipped, so voting is closed."
	case i.Status == StatusDeclined:
		return "This idea was declined, so voting is closed."
	}
	return "Voting is closed for this idea."
}

// votableSQL is the same rule as Idea.Votable, in SQL, so the insert itself
// refuses a vote even if the row changed after it was read.
const votableSQL = `moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL
	AND status NOT IN ('merged', 'declined', 'shipped')`

// Vote adds the user's vote; voting twice is a no-op.
func Vote(ctx context.Context, db *gorm.DB, user *User, ideaID int64) (*VoteState, error) {
	if user == nil {
		return nil, ErrUnauthorized
	}
	var st VoteState
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockVisibleIdea(tx, user, ideaID)
		if err != nil {
			return err
		}
		if !idea.Votable() {
			return Conflict(closedReason(idea))
		}
		limits, err := checkVote(tx, user)
		if err != nil {
			return err
		}
		added, err := addVote(tx, ideaID, user.ID, nil, &st.VoteCount)
		if err != nil {
			return err
		}
		if added {
			if err := checkDailyVotes(tx, user, limits); err != nil {
				return err
			}
		} else {
			st.VoteCount = idea.VoteCount
		}
		st.Voted = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// Unvote removes the user's vote; unvoting without a vote is a no-op.
func Unvote(ctx context.Context, db *gorm.DB, user *User, ideaID int64) (*VoteState, error) {
	if user == nil {
		return nil, ErrUnauthorized
	}
	var st VoteState
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockVisibleIdea(tx, user, ideaID)
		if err != nil {
			return err
		}
		if _, err := checkVote(tx, user); err != nil {
			return err
		}
		st.VoteCount = idea.VoteCount
		_, err = removeVote(tx, ideaID, user.ID, false, &st.VoteCount)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// addVote inserts userID's vote (cast by castBy for a proxy vote) on a
// locked, votable idea and keeps vote_count and the trending score in step,
// writing the new count to count. Voting twice adds nothing.
func addVote(tx *gorm.DB, ideaID, userID int64, castBy *int64, count *int) (bool, error) {
	res := tx.Exec(`INSERT INTO votes (idea_id, user_id, cast_by_id) SELECT id, ?, ? FROM ideas WHERE id = ? AND `+votableSQL+`
		ON CONFLICT DO NOTHING`, userID, castBy, ideaID)
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
	// The author's own vote is part of the idea's creation term.
	if err := tx.Raw(`UPDATE ideas SET vote_count = vote_count + 1,
		score = CASE WHEN author_id = ? THEN score ELSE cw_trend_add(score, 1, now()) END
		WHERE id = ? RETURNING vote_count`, userID, ideaID).Scan(count).Error; err != nil {
		return false, err
	}
	// A proxy vote is an ordinary vote to the public, so it is announced too.
	return true, RecordIdeaEvent(tx, EventVoteCreated, ideaID, nil)
}

// removeVote deletes userID's vote on a locked idea (only a proxy vote when
// proxyOnly) and keeps the counters in step, writing the new count to
// count when there was one.
func removeVote(tx *gorm.DB, ideaID, userID int64, proxyOnly bool, count *int) (bool, error) {
	var cast []time.Time
	q := `DELETE FROM votes WHERE idea_id = ? AND user_id = ?`
	if proxyOnly {
		q += ` AND cast_by_id IS NOT NULL`
	}
	if err := tx.Raw(q+` RETURNING created_at`, ideaID, userID).Scan(&cast).Error; err != nil || len(cast) == 0 {
		return false, err
	}
	if err := tx.Raw(`UPDATE ideas SET vote_count = vote_count - 1,
		score = CASE WHEN author_id = ? THEN score ELSE cw_trend_sub(score, 1, ?) END
		WHERE id = ? RETURNING vote_count`, userID, cast[0], ideaID).Scan(count).Error; err != nil {
		return false, err
	}
	return true, RecordIdeaEvent(tx, EventVoteDeleted, ideaID, nil)
}
