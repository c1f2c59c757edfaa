package models

import (
	"context"

	"gorm.io/gorm"
)

// FollowState is the result of a follow or unfollow.
type FollowState struct {
	FollowerCount int  `json:"follower_count"`
	Following     bool `json:"following"`
}

// SetFollow follows or unfollows an idea; both are idempotent.
func SetFollow(ctx context.Context, db *gorm.DB, user *User, ideaID int64, follow bool) (*FollowState, error) {
	if user == nil {
		return nil, ErrUnauthorized
	}
	st := FollowState{Following: follow}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockIdea(tx, ideaID)
		if err != nil {
			return err
		}
		if (idea.Moderation != "visible" || idea.DeletedAt != nil) && idea.AuthorID != user.ID && !user.IsStaff() {
			return NotFound("We couldn't find that idea.")
		}
		var res *gorm.DB
		delta := "+ 1"
		if follow {
			res = tx.Exec(`INSERT INTO follows (idea_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, ideaID, user.ID)
		} else {
			res = tx.Exec(`DELETE FROM follows WHERE idea_id = ? AND user_id = ?`, ideaID, user.ID)
			delta = "- 1"
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return tx.Raw(`SELECT follower_count FROM ideas WHERE id = ?`, ideaID).Scan(&st.FollowerCount).Error
		}
		return tx.Raw(`UPDATE ideas SET follower_count = follower_count `+delta+` WHERE id = ? RETURNING follower_count`, ideaID).
			Scan(&st.FollowerCount).Error
	})
	if err != nil {
		return nil, err
	}
	return &st, nil
}
