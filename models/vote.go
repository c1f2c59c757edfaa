package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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

// votableSQL is the same rule as Idea.Votable, in SQL (cw_votable, which
// the vote's own statements use too), for a query over ideas i.
const votableSQL = `cw_votable(i.moderation, i.deleted_at, i.merged_into_id, i.status)`

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
// which the caller then does not. The whole vote is one call of cw_vote
// (migration 00035): the lock, the change and the counts in one round trip
// and one commit, the work the vote/unvote mix of make bench measures. A
// request refused by a limit records nothing; one refused for any other
// reason (404, 409, 403) still counts against the action limits, as every
// state-changing request does. When a webhook wants the vote's event, the
// vote and the event share a transaction.
func SetVote(ctx context.Context, db *gorm.DB, user *User, ideaID int64, on bool, from *Origin) (*VoteState, error) {
	if user == nil {
		return nil, ErrUnauthorized
	}
	c := voteCall{user: user, ideaID: ideaID, on: on, event: EventVoteDeleted}
	if on {
		c.event = EventVoteCreated
	}
	if from != nil {
		c.actionKeys = from.actionKeys()
	}
	db = db.WithContext(ctx)
	r, err := c.run(ctx, db.Statement.ConnPool, false) // the pool, or the caller's transaction
	if err == nil && r.Subscribed {
		err = db.Transaction(func(tx *gorm.DB) error {
			if r, err = c.run(ctx, tx.Statement.ConnPool, true); err != nil || !r.Changed {
				return err
			}
			return RecordIdeaEvent(tx, c.event, ideaID, nil)
		})
	}
	if err != nil {
		return nil, c.limitError(err)
	}
	if !r.Allowed {
		return nil, r.refusal(user, on)
	}
	return &VoteState{VoteCount: r.VoteCount, Voted: on}, nil
}

// voteCall is one request to cw_vote.
type voteCall struct {
	user       *User
	ideaID     int64
	on         bool
	event      string
	actionKeys []string // the origin's keys counted under per_ip_actions_per_minute
}

// voteResult is what cw_vote returns: the idea it locked (Found false when
// there is none), the voter's ban, and whether the vote was allowed and
// changed anything.
type voteResult struct {
	Idea
	Subscribed, Found, Banned, Allowed, Changed bool
	BanUntil                                    *time.Time
	BanReason                                   *string
}

// run calls cw_vote on conn, the pool or a transaction's connection (with
// events: the caller records the event in that transaction).
func (c *voteCall) run(ctx context.Context, conn gorm.ConnPool, events bool) (*voteResult, error) {
	d := defaultSettings
	var r voteResult
	var count *int
	var status, moderation *string
	var authorID *int64
	err := conn.QueryRowContext(ctx, `SELECT * FROM cw_vote($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.user.ID, c.ideaID, c.on, c.user.IsStaff(), c.event, events, c.actionKeys,
		[]int{d.PerIPActionsPerMinute, d.VotesPerMinute, d.VotesPerDay}).
		Scan(&r.Subscribed, &r.Found, &status, &moderation, &r.MergedIntoID, &r.DeletedAt, &authorID,
			&r.Banned, &r.BanUntil, &r.BanReason, &r.Allowed, &r.Changed, &count)
	if err != nil {
		return nil, err
	}
	if status != nil {
		r.Status, r.Moderation, r.AuthorID = *status, *moderation, *authorID
	}
	if count != nil {
		r.VoteCount = *count
	}
	return &r, nil
}

// limitError turns cw_vote's CW429 ("hit wait limit", the hit in the order
// action keys, votes_per_minute, votes_per_day) into the message for it;
// other errors pass.
func (c *voteCall) limitError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "CW429" {
		return err
	}
	var hit, limit int
	var secs float64
	if _, serr := fmt.Sscanf(pe.Detail, "%d %g %d", &hit, &secs, &limit); serr != nil {
		return err
	}
	wait := waitFor(&secs)
	switch {
	case hit < len(c.actionKeys):
		return actionLimitError(rateHit{key: c.actionKeys[hit]}, wait)
	case hit == len(c.actionKeys):
		return &RateLimitError{
			Message:    "You're voting faster than we allow (" + pluralize(limit, "vote") + " a minute). Please wait " + waitText(wait) + " and try again.",
			RetryAfter: wait,
		}
	}
	return &RateLimitError{
		Message:    "You've cast " + pluralize(limit, "vote") + " in the last 24 hours, which is the daily limit. You can vote again in " + waitText(wait) + ".",
		RetryAfter: wait,
	}
}

// refusal is why user may not vote (on) or unvote on the locked idea, in the
// order a member learns it (cw_vote's rule, which decided): an idea they
// cannot see is not found, a closed one is a conflict, a ban forbids.
func (r *voteResult) refusal(user *User, on bool) error {
	switch {
	case !r.Found || r.Moderation != "visible" && r.AuthorID != user.ID && !user.IsStaff():
		return NotFound("We couldn't find that idea.")
	case on && !r.Votable():
		return Conflict(closedReason(&r.Idea))
	case r.Banned:
		b := Ban{UserID: user.ID, Until: r.BanUntil}
		if r.BanReason != nil {
			b.Reason = *r.BanReason
		}
		return Forbidden(b.Message())
	}
	return NotFound("We couldn't find that idea.")
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
// in step (cw_vote_add), writing the new count to count when it added one.
// The idea must be locked: the insert re-checks that it is votable.
func insertVote(tx *gorm.DB, ideaID, userID int64, castBy *int64, count *int) (bool, error) {
	var n *int
	if err := tx.Raw(`SELECT cw_vote_add(?, ?, ?)`, ideaID, userID, castBy).Row().Scan(&n); err != nil || n == nil {
		return false, err
	}
	*count = *n
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

// deleteVote deletes the vote and keeps the counters in step
// (cw_vote_remove); the vote's own time takes its term out of the score.
func deleteVote(tx *gorm.DB, ideaID, userID int64, proxyOnly bool, count *int) (bool, error) {
	var n *int
	if err := tx.Raw(`SELECT cw_vote_remove(?, ?, ?)`, ideaID, userID, proxyOnly).Row().Scan(&n); err != nil || n == nil {
		return false, err
	}
	*count = *n
	return true, nil
}
