package models

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// UpdateName changes a user's display name. A member may not take a role
// word or a name that looks like a staff member's (see name_reserved.go).
func UpdateName(ctx context.Context, db *gorm.DB, userID int64, name string) (*User, error) {
	name, err := ValidateName(name)
	if err != nil {
		return nil, err
	}
	var u User
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("deleted_at IS NULL").Take(&u, userID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		if err := checkName(tx, &u, name); err != nil {
			return err
		}
		u.Name = name
		return tx.Model(&u).Updates(map[string]any{"name": name, "updated_at": gorm.Expr("now()")}).Error
	})
	if err != nil {
		return nil, err
	}
	return UserByID(ctx, db, userID)
}

// Export is everything we hold about one person ("download my data").
type Export struct {
	ExportedAt time.Time        `json:"exported_at"`
	User       ExportUser       `json:"user"`
	Identities []ExportIdentity `json:"identities"`
	Sessions   []ExportSession  `json:"sessions"`
	Ideas      []ExportIdea     `json:"ideas"`
	Comments   []ExportComment  `json:"comments"`
	Votes      []ExportRef      `json:"votes"`
	Follows    []ExportRef      `json:"follows"`
	Flags      []ExportFlag     `json:"flags"`
	APITokens  []ExportAPIToken `json:"api_tokens"` // never the token itself: it is not kept
}

type ExportAPIToken struct {
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     Tags       `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	LastUsedIP *string    `json:"last_used_ip"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

type ExportIdea struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

type ExportComment struct {
	ID        int64      `json:"id"`
	IdeaID    int64      `json:"idea_id"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	DeletedAt *time.Time `json:"deleted_at"`
}

type ExportRef struct {
	IdeaID    int64     `json:"idea_id"`
	CreatedAt time.Time `json:"created_at"`
}

type ExportFlag struct {
	TargetType string    `json:"target_type"`
	TargetID   int64     `json:"target_id"`
	Reason     string    `json:"reason"`
	Note       string    `json:"note"`
	CreatedAt  time.Time `json:"created_at"`
}

type ExportUser struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Email         *string   `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	AvatarURL     string    `json:"avatar_url"`
	Role          string    `json:"role"`
	CreatedAt     time.Time `json:"created_at"`
}

type ExportIdentity struct {
	Provider       string    `json:"provider"`
	ProviderUserID string    `json:"provider_user_id"`
	Email          *string   `json:"email"`
	CreatedAt      time.Time `json:"created_at"`
}

type ExportSession struct {
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
}

// ExportUserData collects a user's data for download.
func ExportUserData(ctx context.Context, db *gorm.DB, userID int64) (*Export, error) {
	u, err := UserByID(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	ids, err := IdentitiesOf(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	ss, err := SessionsOf(ctx, db, userID)
	if err != nil {
		return nil, err
	}
	x := &Export{
		ExportedAt: time.Now().UTC(),
		User:       ExportUser{u.ID, u.Name, u.Email, u.EmailVerified, u.AvatarURL, u.Role, u.CreatedAt},
		Identities: []ExportIdentity{},
		Sessions:   []ExportSession{},
	}
	for _, i := range ids {
		x.Identities = append(x.Identities, ExportIdentity{i.Provider, i.ProviderUserID, i.Email, i.CreatedAt})
	}
	for _, s := range ss {
		x.Sessions = append(x.Sessions, ExportSession{s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.UserAgent, s.IP})
	}
	db = db.WithContext(ctx)
	x.Ideas, x.Comments, x.Votes, x.Follows, x.Flags = []ExportIdea{}, []ExportComment{}, []ExportRef{}, []ExportRef{}, []ExportFlag{}
	x.APITokens = []ExportAPIToken{}
	for _, q := range []struct {
		sql string
		dst any
	}{
		{`SELECT id, title, body, status, created_at FROM ideas WHERE author_id = ? ORDER BY id`, &x.Ideas},
		{`SELECT id, idea_id, body, created_at, deleted_at FROM comments WHERE author_id = ? ORDER BY id`, &x.Comments},
		{`SELECT idea_id, created_at FROM votes WHERE user_id = ? ORDER BY created_at`, &x.Votes},
		{`SELECT idea_id, created_at FROM follows WHERE user_id = ? ORDER BY created_at`, &x.Follows},
		{`SELECT target_type, target_id, reason, note, created_at FROM flags WHERE user_id = ? ORDER BY id`, &x.Flags},
		{`SELECT name, prefix, scopes, created_at, expires_at, last_used_at, last_used_ip, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY id`, &x.APITokens},
	} {
		if err := db.Raw(q.sql, userID).Scan(q.dst).Error; err != nil {
			return nil, err
		}
	}
	return x, nil
}

// DeleteAccount erases a person's personal data and signs them out
// everywhere (sessions and API tokens). Their ideas and comments stay, shown as by "deleted user"; the
// row keeps its id (without name, email or avatar) so threads and audit
// entries still line up. Their votes, follows and flags are removed, with
// the ideas' counters and scores recomputed; their own notifications, email
// jobs and preferences go; notifications others received about their
// replies and comments say "deleted user" instead of their name.
func DeleteAccount(ctx context.Context, db *gorm.DB, userID int64) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var admins []int64
		if err := tx.Raw(`SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE`).Scan(&admins).Error; err != nil {
			return err
		}
		if len(admins) == 1 && admins[0] == userID {
			return Conflict("You are the last admin; make someone else admin before deleting your account.")
		}
		res := tx.Exec(`UPDATE users SET name = ?, email = NULL, email_verified = false, placeholder = false, avatar_url = '',
			role = 'member', deleted_at = now(), updated_at = now() WHERE id = ? AND deleted_at IS NULL`, DeletedUserName, userID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		for _, q := range []string{
			`DELETE FROM identities WHERE user_id = ?`,
			`DELETE FROM sessions WHERE user_id = ?`,
			`DELETE FROM api_tokens WHERE user_id = ?`,
			`DELETE FROM auth_states WHERE link_user_id = ?`,
			`DELETE FROM flags WHERE user_id = ?`,
			`DELETE FROM crm_account_members WHERE user_id = ?`, // no longer a customer's contact
		} {
			if err := tx.Exec(q, userID).Error; err != nil {
				return err
			}
		}
		if err := eraseVotesAndFollows(tx, userID); err != nil {
			return err
		}
		return eraseNotifications(tx, userID)
	})
}

// eraseVotesAndFollows removes a user's votes and follows and recomputes the
// counters and scores of the ideas they were on, under those ideas' row
// locks (taken in id order, like every counter change), so vote_count =
// count(votes) and follower_count = count(follows) stay true.
func eraseVotesAndFollows(tx *gorm.DB, userID int64) error {
	var ids []int64
	if err := tx.Raw(`SELECT id FROM ideas WHERE id IN (SELECT idea_id FROM votes WHERE user_id = @u
			UNION SELECT idea_id FROM follows WHERE user_id = @u)
		ORDER BY id FOR UPDATE`, map[string]any{"u": userID}).Scan(&ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	for _, table := range []string{"votes", "follows"} {
		if err := tx.Exec(`DELETE FROM `+table+` WHERE user_id = ? AND idea_id IN ?`, userID, ids).Error; err != nil {
			return err
		}
	}
	return recount(tx, ids...)
}

// eraseNotifications deletes the user's own notifications (with their email
// jobs, whose errors may quote the address) and preferences, and takes their
// name out of the notifications others got about their replies and comments.
func eraseNotifications(tx *gorm.DB, userID int64) error {
	for _, q := range []struct {
		sql string
		arg any
	}{
		{`DELETE FROM river_job WHERE kind = '` + jobEmail + `' AND args->>'notification_id' IN (SELECT id::text FROM notifications WHERE user_id = ?)`, userID},
		{`DELETE FROM river_job WHERE kind = '` + jobDigestUser + `' AND args->>'user_id' = ?`, itoa(userID)},
		{`DELETE FROM notifications WHERE user_id = ?`, userID},
		{`DELETE FROM notification_prefs WHERE user_id = ?`, userID},
	} {
		if err := tx.Exec(q.sql, q.arg).Error; err != nil {
			return err
		}
	}
	// Rebuilt with the idea's current title: the title at the time is not
	// kept apart from the name.
	if err := tx.Exec(`UPDATE notifications n SET
		title = CASE n.kind WHEN ? THEN format(?, ?::text, i.title) ELSE format(?, ?::text, i.title) END
		FROM ideas i WHERE i.id = n.idea_id AND n.actor_id = ? AND n.kind IN (?, ?)`,
		KindReply, replyTitle, DeletedUserName, commentTitle, DeletedUserName, userID, KindReply, KindComment).Error; err != nil {
		return err
	}
	return tx.Exec(`UPDATE notifications SET actor_id = NULL WHERE actor_id = ?`, userID).Error
}
