package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// VoteIntentTTL bounds how long a visitor who clicked "vote" may take to sign
// in before the click is forgotten.
const VoteIntentTTL = 15 * time.Minute

// CreateVoteIntent remembers that the visitor holding the returned token (a
// cookie of theirs) wants to vote for an idea once signed in. The idea must
// be one a visitor can see and vote for, so a closed idea says so now, not
// after the sign-in. Only the token's hash is stored.
func CreateVoteIntent(ctx context.Context, db *gorm.DB, ideaID int64) (string, *Idea, error) {
	idea, err := IdeaByID(ctx, db, nil, ideaID)
	if err != nil {
		return "", nil, err
	}
	if !idea.Votable() {
		return "", nil, Conflict(closedReason(idea))
	}
	token := NewToken()
	db = db.WithContext(ctx)
	// Expired intents are swept here: no separate job needed.
	if err := db.Exec(`DELETE FROM vote_intents WHERE expires_at < now()`).Error; err != nil {
		return "", nil, err
	}
	err = db.Create(&voteIntent{ID: hashToken(token), IdeaID: ideaID, ExpiresAt: time.Now().Add(VoteIntentTTL)}).Error
	return token, idea, err
}

// voteIntent is a row of vote_intents.
type voteIntent struct {
	ID        []byte
	IdeaID    int64
	ExpiresAt time.Time
}

// PendingVoteIntent is the idea a live intent is for, as a visitor sees it,
// so the sign-in page can say what the sign-in is for; nil when there is
// none. It does not use the intent up.
func PendingVoteIntent(ctx context.Context, db *gorm.DB, token string) (*Idea, error) {
	if token == "" {
		return nil, nil
	}
	var ids []int64
	if err := db.WithContext(ctx).Raw(`SELECT idea_id FROM vote_intents WHERE id = ? AND expires_at > now()`,
		hashToken(token)).Scan(&ids).Error; err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	idea, err := IdeaByID(ctx, db, nil, ids[0])
	if err != nil {
		return nil, nil // hidden or deleted since: nothing to say
	}
	return idea, nil
}

// CastVoteIntent uses up the intent behind token and casts user's vote for
// its idea. It returns the idea (nil when there was no live intent, or the
// idea is gone) with the vote's error, e.g. a Conflict when voting closed
// meanwhile. The intent is gone either way: it is cast once at most.
func CastVoteIntent(ctx context.Context, db *gorm.DB, user *User, token string) (*Idea, error) {
	if token == "" || user == nil {
		return nil, nil
	}
	var ids []int64
	if err := db.WithContext(ctx).Raw(`DELETE FROM vote_intents WHERE id = ? AND expires_at > now() RETURNING idea_id`,
		hashToken(token)).Scan(&ids).Error; err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	_, verr := Vote(ctx, db, user, ids[0])
	idea, err := IdeaByID(ctx, db, user, ids[0])
	if err != nil {
		return nil, verr
	}
	return idea, verr
}
