package models

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Ban stops a member from posting, voting, commenting and flagging; they can
// still read. Until nil is permanent; an expired ban simply no longer applies.
type Ban struct {
	UserID    int64      `json:"user_id" gorm:"primaryKey"`
	Until     *time.Time `json:"until"`
	Reason    string     `json:"reason"`
	CreatedBy *int64     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// Message is what the banned member is told when they try to act.
func (b *Ban) Message() string {
	msg := "You are banned"
	if b.Until != nil {
		msg += " until " + b.Until.UTC().Format("2 Jan 2006 15:04 MST")
	} else {
		msg += " permanently"
	}
	if b.Reason != "" {
		msg += ": " + b.Reason
	}
	return msg + "."
}

// activeBan returns the ban in force for userID, or nil.
func activeBan(tx *gorm.DB, userID int64) (*Ban, error) {
	var bans []Ban
	err := tx.Where("user_id = ? AND (until IS NULL OR until > now())", userID).Limit(1).Find(&bans).Error
	if err != nil || len(bans) == 0 {
		return nil, err
	}
	return &bans[0], nil
}

// checkBan refuses every write of a banned member with a 403 that says until
// when and why.
func checkBan(tx *gorm.DB, user *User) error {
	b, err := activeBan(tx, user.ID)
	if err != nil {
		return err
	}
	if b != nil {
		return Forbidden(b.Message())
	}
	return nil
}

// activeBans returns the bans in force for userIDs, by user.
func activeBans(tx *gorm.DB, userIDs []int64) (map[int64]*Ban, error) {
	out := map[int64]*Ban{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var bans []Ban
	if err := tx.Where("user_id IN ? AND (until IS NULL OR until > now())", userIDs).Find(&bans).Error; err != nil {
		return nil, err
	}
	for i := range bans {
		out[bans[i].UserID] = &bans[i]
	}
	return out, nil
}

// ActiveBan returns the ban in force for userID, or nil.
func ActiveBan(ctx context.Context, db *gorm.DB, userID int64) (*Ban, error) {
	return activeBan(db.WithContext(ctx), userID)
}

// BanInput is a moderator's ban: Until nil is permanent.
type BanInput struct {
	Until  *time.Time
	Reason string
}

func (in *BanInput) validate() error {
	v := &ValidationError{}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Until != nil && !in.Until.After(time.Now()) {
		v.Add("until", "The ban must end in the future; leave it empty for a permanent ban.")
	}
	validateReason(v, "reason", in.Reason, true)
	return v.Err()
}

// validateReason checks text shown to a member about a moderation decision.
func validateReason(v *ValidationError, field, s string, required bool) {
	switch {
	case textProblem(s) != "":
		v.Add(field, "The reason "+textProblem(s)+".")
	case required && s == "":
		v.Add(field, "Please give a reason; the member will see it.")
	case utf8.RuneCountInString(s) > 500:
		v.Add(field, "The reason must be at most 500 characters.")
	}
}

// BanUser bans a member (moderators and admins), replacing any earlier ban,
// and signs them out everywhere so the ban applies at once. Staff cannot be
// banned: demote them first, which is an admin's decision.
func BanUser(ctx context.Context, db *gorm.DB, actor *User, userID int64, in BanInput) (*Ban, error) {
	if !actor.HasRole(RoleModerator) {
		return nil, Forbidden("Only moderators can ban members.")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var ban *Ban
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		ban, err = banInTx(tx, actor, userID, in)
		return err
	})
	return ban, err
}

// banInTx bans inside the caller's transaction; in is already validated.
func banInTx(tx *gorm.DB, actor *User, userID int64, in BanInput) (*Ban, error) {
	var target User
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("deleted_at IS NULL").Take(&target, userID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("No such user.")
	}
	if err != nil {
		return nil, err
	}
	if target.IsStaff() {
		return nil, Forbidden(target.Name + " is staff; change their role before banning them.")
	}
	before, err := activeBan(tx, userID)
	if err != nil {
		return nil, err
	}
	var ban Ban
	err = tx.Raw(`INSERT INTO bans (user_id, until, reason, created_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason,
			created_by = excluded.created_by, created_at = now()
		RETURNING *`, userID, in.Until, in.Reason, actor.ID).Scan(&ban).Error
	if err != nil {
		return nil, err
	}
	if err := tx.Exec(`DELETE FROM sessions WHERE user_id = ?`, userID).Error; err != nil {
		return nil, err
	}
	var beforeVal any
	if before != nil {
		beforeVal = before
	}
	return &ban, audit(tx, actor, "user.ban", "user", userID, beforeVal, ban)
}

// UnbanUser lifts a member's ban. Lifting a ban that is not there changes
// nothing and is not audited; an unknown user is not found.
func UnbanUser(ctx context.Context, db *gorm.DB, actor *User, userID int64) error {
	if !actor.HasRole(RoleModerator) {
		return Forbidden("Only moderators can lift bans.")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&User{}).Where("id = ?", userID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return NotFound("No such user.")
		}
		var removed []Ban
		if err := tx.Raw(`DELETE FROM bans WHERE user_id = ? RETURNING *`, userID).Scan(&removed).Error; err != nil {
			return err
		}
		if len(removed) == 0 {
			return nil
		}
		return audit(tx, actor, "user.unban", "user", userID, removed[0], nil)
	})
}
