package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Scopes an API token may carry. A token acts as its owner, but only within
// its scopes: read for GET, write for a member's changes, staff for staff
// routes (where the owner's role must allow it too).
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
	ScopeStaff = "staff"
)

// TokenScopes lists every scope in display order.
var TokenScopes = []string{ScopeRead, ScopeWrite, ScopeStaff}

const (
	tokenPrefix     = "cw_"
	tokenVisible    = 10 // "cw_" and the first 7 characters, shown in lists
	tokenUsedEvery  = time.Minute
	maxActiveTokens = 50
	// TokensPerPage is the size of a page of token lists.
	TokensPerPage = 20
)

// APIToken is a personal API token. Hash is the SHA-256 of the token; the
// token itself is never stored.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Name       string     `json:"name"`
	Hash       []byte     `json:"-"`
	Prefix     string     `json:"prefix"`
	Scopes     Tags       `json:"scopes"`
	ExpiresAt  *time.Time `json:"expires_at"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	LastUsedIP *string    `json:"last_used_ip"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Has reports whether the token carries scope.
func (t *APIToken) Has(scope string) bool { return t != nil && slices.Contains(t.Scopes, scope) }

// State is "active", "revoked" or "expired".
func (t *APIToken) State() string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !t.ExpiresAt.After(time.Now()):
		return "expired"
	}
	return "active"
}

// newAPIToken returns cw_ and 32 random bytes in base62, always 43 digits
// (62^43 > 2^256), so every token has the same length.
func newAPIToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	s := new(big.Int).SetBytes(b).Text(62)
	return tokenPrefix + strings.Repeat("0", 43-len(s)) + s
}

// TokenInput is a member's new token.
type TokenInput struct {
	Name      string
	Scopes    []string
	ExpiresAt *time.Time
}

func (in *TokenInput) validate(owner *User) error {
	v := &ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		v.Add("name", "Give the token a name, e.g. what script uses it.")
	case utf8.RuneCountInString(in.Name) > 60:
		v.Add("name", "The name must be at most 60 characters.")
	case textProblem(in.Name) != "":
		v.Add("name", "The name "+textProblem(in.Name))
	}
	var scopes []string
	for _, s := range in.Scopes {
		switch {
		case !slices.Contains(TokenScopes, s):
			v.Add("scopes", "Scopes are read, write and staff.")
		case s == ScopeStaff && !owner.IsStaff():
			v.Add("scopes", "Only staff can give a token the staff scope.")
		case !slices.Contains(scopes, s):
			scopes = append(scopes, s)
		}
	}
	if len(in.Scopes) == 0 {
		v.Add("scopes", "Choose at least one scope.")
	}
	in.Scopes = scopes
	if in.ExpiresAt != nil {
		switch {
		case !in.ExpiresAt.After(time.Now()):
			v.Add("expires_at", "The expiry must be in the future.")
		case in.ExpiresAt.After(time.Now().AddDate(5, 0, 0)):
			v.Add("expires_at", "The expiry must be within five years.")
		}
	}
	return v.Err()
}

// CreateAPIToken makes a token for owner and returns it with the token text,
// which exists only in this return value.
func CreateAPIToken(ctx context.Context, db *gorm.DB, owner *User, in TokenInput) (*APIToken, string, error) {
	if owner == nil || owner.TokenID != nil {
		return nil, "", Forbidden("Tokens are made from a signed-in session, not with another token.")
	}
	if err := in.validate(owner); err != nil {
		return nil, "", err
	}
	secret := newAPIToken()
	t := APIToken{UserID: owner.ID, Name: in.Name, Hash: hashToken(secret), Prefix: secret[:tokenVisible],
		Scopes: Tags(in.Scopes), ExpiresAt: in.ExpiresAt}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One creation at a time per member, so the cap holds.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, "tokens:"+itoa(owner.ID)).Error; err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&APIToken{}).Where("user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())", owner.ID).
			Count(&n).Error; err != nil {
			return err
		}
		if n >= maxActiveTokens {
			return Conflict("You have " + itoa(maxActiveTokens) + " active tokens, the most allowed; revoke one first.")
		}
		return tx.Omit("CreatedAt", "LastUsedAt", "LastUsedIP", "RevokedAt").Create(&t).Error
	})
	if err != nil {
		return nil, "", err
	}
	return &t, secret, nil
}

// TokenPage is one page of tokens, newest first; Owners names each token's
// owner on the admin list.
type TokenPage struct {
	Tokens []APIToken
	Owners map[int64]string
	Page   Page
}

// APITokensOf lists a member's tokens, revoked and expired ones included.
func APITokensOf(ctx context.Context, db *gorm.DB, userID int64, page Page) (*TokenPage, error) {
	return listTokens(db.WithContext(ctx).Where("user_id = ?", userID), page)
}

// AllAPITokens lists every member's tokens for admins.
func AllAPITokens(ctx context.Context, db *gorm.DB, actor *User, page Page) (*TokenPage, error) {
	if !actor.HasRole(RoleAdmin) {
		return nil, Forbidden("Only admins can see every token.")
	}
	p, err := listTokens(db.WithContext(ctx), page)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, t := range p.Tokens {
		ids = append(ids, t.UserID)
	}
	var users []User
	if len(ids) > 0 {
		if err := db.WithContext(ctx).Where("id IN ?", ids).Find(&users).Error; err != nil {
			return nil, err
		}
	}
	p.Owners = map[int64]string{}
	for i := range users {
		p.Owners[users[i].ID] = users[i].DisplayName()
	}
	return p, nil
}

func listTokens(q *gorm.DB, page Page) (*TokenPage, error) {
	q = q.Model(&APIToken{})
	if err := q.Count(&page.Total).Error; err != nil {
		return nil, err
	}
	var ts []APIToken
	if err := q.Order("id DESC").Limit(page.PerPage).Offset(page.Offset()).Find(&ts).Error; err != nil {
		return nil, err
	}
	return &TokenPage{Tokens: ts, Page: page}, nil
}

// RevokeAPIToken revokes one of owner's tokens at once. Revoking a revoked
// token changes nothing; someone else's token is not found.
func RevokeAPIToken(ctx context.Context, db *gorm.DB, owner *User, id int64) error {
	if owner == nil || owner.TokenID != nil {
		return Forbidden("Tokens are managed from a signed-in session, not with a token.")
	}
	var n int64
	db = db.WithContext(ctx)
	if err := db.Model(&APIToken{}).Where("id = ? AND user_id = ?", id, owner.ID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return NotFound("No such token.")
	}
	return db.Model(&APIToken{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", gorm.Expr("now()")).Error
}

// AdminRevokeAPIToken revokes anyone's token on behalf of an admin, audited.
func AdminRevokeAPIToken(ctx context.Context, db *gorm.DB, actor *User, id int64) error {
	if !actor.HasRole(RoleAdmin) {
		return Forbidden("Only admins can revoke other people's tokens.")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var t APIToken
		if err := tx.Where("id = ?", id).Take(&t).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return NotFound("No such token.")
			}
			return err
		}
		if t.RevokedAt != nil {
			return nil
		}
		if err := tx.Model(&t).Update("revoked_at", gorm.Expr("now()")).Error; err != nil {
			return err
		}
		return audit(tx, actor, "token.revoke", "api_token", t.ID,
			map[string]any{"owner_id": t.UserID, "name": t.Name, "prefix": t.Prefix}, map[string]string{"state": "revoked"})
	})
}

// TokenUser resolves a bearer token to its live owner, in one query: a
// wrong, revoked or expired token, or one whose owner deleted their account,
// is ErrUnauthorized; a banned owner's token is refused with the ban. The
// owner is loaded with the role they hold now, marked as acting through the
// token (TokenID), so audit entries name it. Last use is written at most
// once a minute.
func TokenUser(ctx context.Context, db *gorm.DB, token, ip string) (*User, *APIToken, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) != len(tokenPrefix)+43 {
		return nil, nil, ErrUnauthorized
	}
	db = db.WithContext(ctx)
	var u User
	var r struct {
		TokenID        int64
		TokenName      string
		TokenPrefix    string
		TokenScopes    Tags
		TokenExpiresAt *time.Time
		TokenCreatedAt time.Time
		TokenUsedAt    *time.Time
		BanUntil       *time.Time
		BanReason      *string
		Banned         bool
	}
	err := db.Statement.ConnPool.QueryRowContext(ctx, `SELECT `+userColumns+`, t.id, t.name, t.prefix, t.scopes,
			t.expires_at, t.created_at, t.last_used_at, b.user_id IS NOT NULL, b.until, b.reason
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		LEFT JOIN bans b ON b.user_id = u.id AND (b.until IS NULL OR b.until > now())
		WHERE t.hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.deleted_at IS NULL`,
		hashToken(token)).Scan(append(u.scanTargets(), &r.TokenID, &r.TokenName, &r.TokenPrefix, &r.TokenScopes,
		&r.TokenExpiresAt, &r.TokenCreatedAt, &r.TokenUsedAt, &r.Banned, &r.BanUntil, &r.BanReason)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrUnauthorized
	}
	if err != nil {
		return nil, nil, err
	}
	if r.Banned {
		b := Ban{UserID: u.ID, Until: r.BanUntil}
		if r.BanReason != nil {
			b.Reason = *r.BanReason
		}
		return nil, nil, Forbidden(b.Message())
	}
	u.TokenID = &r.TokenID
	t := APIToken{ID: r.TokenID, UserID: u.ID, Name: r.TokenName, Prefix: r.TokenPrefix, Scopes: r.TokenScopes,
		ExpiresAt: r.TokenExpiresAt, CreatedAt: r.TokenCreatedAt, LastUsedAt: r.TokenUsedAt}
	if r.TokenUsedAt == nil || time.Since(*r.TokenUsedAt) > tokenUsedEvery {
		if err := db.Model(&APIToken{}).Where("id = ?", t.ID).
			Updates(map[string]any{"last_used_at": gorm.Expr("now()"), "last_used_ip": ip}).Error; err != nil {
			return nil, nil, err
		}
	}
	return &u, &t, nil
}
