package models

import (
	"context"
	"net/mail"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ProxyVoteInput names the customer staff vote for: a member by id, or a
// contact by email and name (a placeholder member they take over when they
// first sign in with that address, verified).
type ProxyVoteInput struct {
	UserID int64
	Email  string
	Name   string
}

// ProxyVoteResult is the vote staff cast and the idea's count after it.
type ProxyVoteResult struct {
	UserID      int64  `json:"user_id"`
	Name        string `json:"name"`
	Placeholder bool   `json:"placeholder"`
	// Created is false when the customer had already voted.
	Created   bool `json:"created"`
	VoteCount int  `json:"vote_count"`
}

// canManageCRM: accounts, links and proxy votes are product managers' work
// (admins hold every role).
func canManageCRM(u *User) bool { return u.HasRole(RoleProductManager) }

func (in *ProxyVoteInput) validate() error {
	v := &ValidationError{}
	in.Email, in.Name = strings.TrimSpace(in.Email), strings.TrimSpace(in.Name)
	switch {
	case in.UserID != 0 && in.Email != "":
		v.Add("user_id", "Give a member or an email, not both.")
	case in.UserID < 0:
		v.Add("user_id", "There is no such member.")
	case in.UserID == 0 && in.Email == "":
		v.Add("email", "Give the member or the contact's email address.")
	case in.Email != "":
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email || len(in.Email) > 254 || NormalizeDomain(in.Email) == "" {
			v.Add("email", "Please enter an email address like name@example.com.")
		}
		name, err := ValidateName(in.Name)
		if in.Name == "" {
			v.Add("name", "Give the contact's name.")
		} else if err != nil {
			v.Add("name", err.(*ValidationError).Fields["name"])
		}
		in.Name = name
	}
	return v.Err()
}

// CastProxyVote votes for a customer on their behalf. The vote counts like
// any other (same lock, same counters) and records who cast it. A contact
// email becomes a placeholder member, reused when staff vote for the same
// address again; a member with that verified address is voted for instead.
func CastProxyVote(ctx context.Context, db *gorm.DB, actor *User, ideaID int64, in ProxyVoteInput) (*ProxyVoteResult, error) {
	if !canManageCRM(actor) {
		return nil, Forbidden("Only product managers can vote on behalf of customers.")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	out := &ProxyVoteResult{}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockIdea(tx, ideaID)
		if err != nil {
			return err
		}
		if !idea.Votable() {
			return Conflict(closedReason(idea))
		}
		voter, err := proxyVoter(tx, in)
		if err != nil {
			return err
		}
		out.UserID, out.Name, out.Placeholder = voter.ID, voter.Name, voter.Placeholder
		out.VoteCount = idea.VoteCount
		if out.Created, err = addVote(tx, ideaID, voter.ID, &actor.ID, &out.VoteCount); err != nil || !out.Created {
			return err
		}
		return audit(tx, actor, "vote.proxy_add", "idea", ideaID, nil,
			map[string]any{"user_id": voter.ID, "name": voter.Name, "placeholder": voter.Placeholder})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type proxyUser struct {
	ID          int64
	Name        string
	Placeholder bool
}

// proxyVoter finds (or, for a new contact, creates) the member a proxy vote
// is for.
func proxyVoter(tx *gorm.DB, in ProxyVoteInput) (*proxyUser, error) {
	var u []proxyUser
	if in.UserID != 0 {
		if err := tx.Raw(`SELECT id, name, placeholder FROM users WHERE id = ? AND deleted_at IS NULL`, in.UserID).Scan(&u).Error; err != nil {
			return nil, err
		}
		if len(u) == 0 {
			return nil, &ValidationError{Fields: map[string]string{"user_id": "There is no such member."}}
		}
		return &u[0], nil
	}
	// Serialise placeholder creation per address, so two staff voting for
	// the same new contact at once make one placeholder.
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtextextended('placeholder:' || lower(?), 0))`, in.Email).Error; err != nil {
		return nil, err
	}
	err := tx.Raw(`SELECT id, name, placeholder FROM users WHERE lower(email) = lower(?) AND deleted_at IS NULL
		AND (placeholder OR email_verified) ORDER BY placeholder, id LIMIT 1`, in.Email).Scan(&u).Error
	if err != nil || len(u) == 1 {
		return firstOrNil(u), err
	}
	p := &proxyUser{Name: in.Name, Placeholder: true}
	err = tx.Raw(`INSERT INTO users (name, email, email_verified, placeholder) VALUES (?, ?, false, true) RETURNING id`,
		in.Name, in.Email).Scan(&p.ID).Error
	return p, err
}

func firstOrNil(u []proxyUser) *proxyUser {
	if len(u) == 0 {
		return nil
	}
	return &u[0]
}

// RemoveProxyVote takes back a vote staff cast for userID. A member's own
// vote is theirs (409); without a vote there is nothing to do.
func RemoveProxyVote(ctx context.Context, db *gorm.DB, actor *User, ideaID, userID int64) (*VoteState, error) {
	if !canManageCRM(actor) {
		return nil, Forbidden("Only product managers can remove votes cast on behalf of customers.")
	}
	st := &VoteState{}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockIdea(tx, ideaID)
		if err != nil {
			return err
		}
		st.VoteCount = idea.VoteCount
		removed, err := removeVote(tx, ideaID, userID, true, &st.VoteCount)
		if err != nil {
			return err
		}
		if !removed {
			var own int64
			if err := tx.Raw(`SELECT count(*) FROM votes WHERE idea_id = ? AND user_id = ?`, ideaID, userID).Scan(&own).Error; err != nil {
				return err
			}
			if own > 0 {
				return Conflict("That vote is the member's own; only they can take it back.")
			}
			return nil
		}
		return audit(tx, actor, "vote.proxy_remove", "idea", ideaID, map[string]any{"user_id": userID}, nil)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// takeOverPlaceholder attaches a first sign-in with a verified email to the
// placeholder member staff created for that address, instead of creating a
// new user: the person keeps the votes cast for them. Only placeholders are
// taken over, never a real member (accounts are never linked by email).
// Returns nil when there is no placeholder.
func takeOverPlaceholder(tx *gorm.DB, email, name, avatar string) (*User, error) {
	var u User
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("lower(email) = lower(?) AND placeholder AND deleted_at IS NULL", email).Order("id").Take(&u).Error
	if err == gorm.ErrRecordNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	updates := map[string]any{"placeholder": false, "email_verified": true, "email": email, "name": name, "updated_at": gorm.Expr("now()")}
	if safeAvatar(avatar) {
		updates["avatar_url"] = avatar
	}
	if err := tx.Model(&u).Updates(updates).Error; err != nil {
		return nil, err
	}
	return &u, tx.Take(&u, u.ID).Error
}
