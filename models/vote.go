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
	return SetVote(ctx, db, user, ideaID, true, nil)
}

// Unvote removes the user's vote; unvoting without a vote is a no-op.
func Unvote(ctx context.Context, db *gorm.DB, user *User, ideaID int64) (*VoteState, error) {
	return SetVote(ctx, db, user, ideaID, false, nil)
}

// SetVote casts (on) or withdraws the user's vote. With an origin it also
// counts the request against the action limits (per address and token),
// which the caller then does not: the whole vote is one short transaction
// of three statements (lock, change, counts) and one commit, the work the
// vote/unvote mix of make bench measures. A refused request records
// nothing; a request refused for any other reason (404, 409, 403) still
// counts against the action limits, as every state-changing request does.
func SetVote(ctx context.Context, db *gorm.DB, user *User, ideaID int64, on bool, from *Origin) (*VoteState, error) {
	if user == nil {
		return nil, ErrUnauthorized
	}
	typ := EventVoteDeleted
	if on {
		typ = EventVoteCreated
	}
	var st VoteState
	var refused error // a 404/409/403 that commits the action counts
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		l, err := lockForVote(tx, user, ideaID, typ)
		if err != nil {
			return err
		}
		refused = l.refusal(user, on)
		changed := false
		if refused == nil {
			st.VoteCount, st.Voted = l.VoteCount, on
			if on {
				changed, err = insertVote(tx, ideaID, user.ID, nil, &st.VoteCount)
			} else {
				changed, err = deleteVote(tx, ideaID, user.ID, false, &st.VoteCount)
			}
			if err != nil {
				return err
			}
		}
		if err := l.limit(tx, user, from, refused == nil, on && changed); err != nil {
			return err
		}
		if refused != nil || !changed || !l.Subscribed {
			return nil
		}
		return RecordIdeaEvent(tx, typ, ideaID, nil)
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// voteLock is an idea locked for a vote, read with everything else the vote
// needs in the same round trip: the voter's ban, the limits and whether any
// webhook wants the event.
type voteLock struct {
	Idea
	Found                 bool
	Banned                bool
	BanUntil              *time.Time
	BanReason             *string
	HasSettings           bool
	VotesPerMinute        int
	VotesPerDay           int
	PerIPActionsPerMinute int
	Subscribed            bool
}

// lockForVote locks idea ideaID (see lockIdea); the idea may not exist
// (Found false), so a request for a missing idea still counts against the
// action limits.
func lockForVote(tx *gorm.DB, user *User, ideaID int64, typ string) (*voteLock, error) {
	var rows []voteLock
	err := tx.Raw(`SELECT true AS found, i.id, i.status, i.moderation, i.merged_into_id, i.deleted_at, i.vote_count, i.author_id,
			b.user_id IS NOT NULL AS banned, b.until AS ban_until, b.reason AS ban_reason,
			s.id IS NOT NULL AS has_settings, s.votes_per_minute, s.votes_per_day, s.per_ip_actions_per_minute,
			EXISTS (SELECT 1 FROM webhooks WHERE active AND ?::text = ANY (events)) AS subscribed
		FROM ideas i
		LEFT JOIN bans b ON b.user_id = ? AND (b.until IS NULL OR b.until > now())
		LEFT JOIN site_settings s ON s.id = 1
		WHERE i.id = ? FOR UPDATE OF i`, typ, user.ID, ideaID).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 1 {
		return &rows[0], nil
	}
	// No such idea: only the ban and the limits matter.
	l := &voteLock{}
	err = tx.Raw(`SELECT b.user_id IS NOT NULL AS banned, s.id IS NOT NULL AS has_settings,
			s.votes_per_minute, s.votes_per_day, s.per_ip_actions_per_minute
		FROM (SELECT 1) one LEFT JOIN bans b ON b.user_id = ? AND (b.until IS NULL OR b.until > now())
		LEFT JOIN site_settings s ON s.id = 1`, user.ID).Scan(l).Error
	return l, err
}

// refusal is why user may not vote (on) or unvote on the locked idea, in the
// order a member learns it: an idea they cannot see is not found, a closed
// one is a conflict, a ban forbids.
func (l *voteLock) refusal(user *User, on bool) error {
	switch {
	case !l.Found || l.Moderation != "visible" && l.AuthorID != user.ID && !user.IsStaff():
		return NotFound("We couldn't find that idea.")
	case on && !l.Votable():
		return Conflict(closedReason(&l.Idea))
	case l.Banned:
		b := Ban{UserID: user.ID, Until: l.BanUntil}
		if l.BanReason != nil {
			b.Reason = *l.BanReason
		}
		return Forbidden(b.Message())
	}
	return nil
}

// settings are the limits read with the lock (the defaults without a row).
func (l *voteLock) settings() *SiteSettings {
	if !l.HasSettings {
		s := defaultSettings
		return &s
	}
	return &SiteSettings{VotesPerMinute: l.VotesPerMinute, VotesPerDay: l.VotesPerDay, PerIPActionsPerMinute: l.PerIPActionsPerMinute}
}

// limit counts the request in one statement: against the action limits
// when from is given, against votes_per_minute when the vote was allowed
// (every vote and unvote request, toggling is voting too), and against
// votes_per_day when it cast a vote (a vote withdrawn later still counted).
// Staff are not limited. Beyond a limit the transaction, vote included,
// must roll back.
func (l *voteLock) limit(tx *gorm.DB, user *User, from *Origin, allowed, cast bool) error {
	if user.IsStaff() { // staff act for the company, sometimes in bulk
		return nil
	}
	s := l.settings()
	var hits []rateHit
	if from != nil {
		hits = from.actionHits(s)
	}
	actions := len(hits)
	if allowed {
		hits = append(hits, rateHit{"vote:" + itoa(user.ID), s.VotesPerMinute, time.Minute})
	}
	if cast {
		hits = append(hits, rateHit{"votes-day:" + itoa(user.ID), s.VotesPerDay, 24 * time.Hour})
	}
	if len(hits) == 0 {
		return nil
	}
	over, wait, err := hitRates(tx, hits)
	switch {
	case err != nil || over < 0:
		return err
	case over < actions:
		return actionLimitError(hits[over], wait)
	case hits[over].window == time.Minute:
		return &RateLimitError{
			Message:    "You're voting faster than we allow (" + pluralize(s.VotesPerMinute, "vote") + " a minute). Please wait " + waitText(wait) + " and try again.",
			RetryAfter: wait,
		}
	}
	return &RateLimitError{
		Message:    "You've cast " + pluralize(s.VotesPerDay, "vote") + " in the last 24 hours, which is the daily limit. You can vote again in " + waitText(wait) + ".",
		RetryAfter: wait,
	}
}

// addVote inserts userID's vote (cast by castBy for a proxy vote) on a
// locked, votable idea, keeps the counters in step and announces it.
// Voting twice adds nothing.
func addVote(tx *gorm.DB, ideaID, userID int64, castBy *int64, count *int) (bool, error) {
	added, err := insertVote(tx, ideaID, userID, castBy, count)
	if err != nil || !added {
		return false, err
	}
	// A proxy vote is an ordinary vote to the public, so it is announced too.
	return true, RecordIdeaEvent(tx, EventVoteCreated, ideaID, nil)
}

// insertVote inserts the vote and keeps vote_count and the trending score
// in step in one statement, writing the new count to count when it added
// one. The idea must be locked: the insert re-checks that it is votable.
func insertVote(tx *gorm.DB, ideaID, userID int64, castBy *int64, count *int) (bool, error) {
	var counts []int
	// The author's own vote is part of the idea's creation term.
	err := tx.Raw(`WITH v AS (INSERT INTO votes (idea_id, user_id, cast_by_id)
			SELECT id, @u, @by FROM ideas WHERE id = @i AND `+votableSQL+`
			ON CONFLICT DO NOTHING RETURNING idea_id)
		UPDATE ideas SET vote_count = vote_count + 1,
			score = CASE WHEN author_id = @u THEN score ELSE cw_trend_add(score, 1, now()) END
		FROM v WHERE ideas.id = v.idea_id RETURNING vote_count`,
		map[string]any{"u": userID, "by": castBy, "i": ideaID}).Scan(&counts).Error
	if err != nil || len(counts) == 0 {
		return false, err
	}
	*count = counts[0]
	return true, nil
}

// removeVote deletes userID's vote on a locked idea (only a proxy vote when
// proxyOnly), keeps the counters in step and announces it, writing the new
// count to count when there was one.
func removeVote(tx *gorm.DB, ideaID, userID int64, proxyOnly bool, count *int) (bool, error) {
	removed, err := deleteVote(tx, ideaID, userID, proxyOnly, count)
	if err != nil || !removed {
		return false, err
	}
	return true, RecordIdeaEvent(tx, EventVoteDeleted, ideaID, nil)
}

// deleteVote deletes the vote and keeps the counters in step in one
// statement; the vote's own time takes its term out of the score.
func deleteVote(tx *gorm.DB, ideaID, userID int64, proxyOnly bool, count *int) (bool, error) {
	q := `DELETE FROM votes WHERE idea_id = @i AND user_id = @u`
	if proxyOnly {
		q += ` AND cast_by_id IS NOT NULL`
	}
	var counts []int
	err := tx.Raw(`WITH v AS (`+q+` RETURNING created_at)
		UPDATE ideas SET vote_count = vote_count - 1,
			score = CASE WHEN author_id = @u THEN score ELSE cw_trend_sub(score, 1, v.created_at) END
		FROM v WHERE ideas.id = @i RETURNING vote_count`,
		map[string]any{"u": userID, "i": ideaID}).Scan(&counts).Error
	if err != nil || len(counts) == 0 {
		return false, err
	}
	*count = counts[0]
	return true, nil
}
