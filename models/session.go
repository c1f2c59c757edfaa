package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Session lifetimes: idle sessions end after 30 days, every session after 90.
const (
	SessionIdle     = 30 * 24 * time.Hour
	SessionAbsolute = 90 * 24 * time.Hour
	lastSeenEvery   = time.Minute
)

// Session is a signed-in browser. ID is the SHA-256 of the cookie token.
type Session struct {
	ID         []byte
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	IP         string
	// Unread is the user's unread notifications (up to BellCap) when
	// SessionUser read the session (the header's bell), counted in the
	// same statement.
	Unread int64 `gorm:"-"`
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// NewToken returns 32 random bytes, URL-safe encoded (256 bits).
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateSession starts a session and returns the token for the cookie.
func CreateSession(ctx context.Context, db *gorm.DB, userID int64, userAgent, ip string) (string, error) {
	token := NewToken()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	s := Session{ID: hashToken(token), UserID: userID, ExpiresAt: time.Now().Add(SessionAbsolute), UserAgent: userAgent, IP: ip}
	if err := db.WithContext(ctx).Omit("CreatedAt", "LastSeenAt").Create(&s).Error; err != nil {
		return "", err
	}
	return token, nil
}

// SessionUser resolves a cookie token to its session and user. Expired
// sessions and deleted users resolve to ErrUnauthorized.
func SessionUser(ctx context.Context, db *gorm.DB, token string) (*User, *Session, error) {
	if token == "" {
		return nil, nil, ErrUnauthorized
	}
	db = db.WithContext(ctx)
	// One round trip per request: the session, its (live) user and the
	// bell's count (index-only on notifications_unread_idx) together.
	var u User
	var s Session
	err := db.Statement.ConnPool.QueryRowContext(ctx, `SELECT `+userColumns+`, s.id, s.created_at, s.last_seen_at,
			s.expires_at, s.user_agent, s.ip,
			`+unreadCount("u.id")+`
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id = $1 AND s.expires_at > now() AND s.last_seen_at > now() - CAST($2 AS interval) AND u.deleted_at IS NULL`,
		hashToken(token), SessionIdle.String()).
		Scan(append(u.scanTargets(), &s.ID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.UserAgent, &s.IP, &s.Unread)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrUnauthorized
	}
	if err != nil {
		return nil, nil, err
	}
	s.UserID = u.ID
	// Write last_seen at most once a minute: reads stay reads.
	if time.Since(s.LastSeenAt) > lastSeenEvery {
		if err := db.Model(&Session{}).Where("id = ?", s.ID).Update("last_seen_at", gorm.Expr("now()")).Error; err != nil {
			return nil, nil, err
		}
	}
	return &u, &s, nil
}

// DeleteSession ends one session; a copied cookie stops working at once.
func DeleteSession(ctx context.Context, db *gorm.DB, token string) error {
	return db.WithContext(ctx).Where("id = ?", hashToken(token)).Delete(&Session{}).Error
}

// DeleteUserSessions signs a user out everywhere.
func DeleteUserSessions(ctx context.Context, db *gorm.DB, userID int64) error {
	return db.WithContext(ctx).Where("user_id = ?", userID).Delete(&Session{}).Error
}

// SessionsOf lists a user's live sessions, most recent first.
func SessionsOf(ctx context.Context, db *gorm.DB, userID int64) ([]Session, error) {
	var ss []Session
	err := db.WithContext(ctx).Where("user_id = ? AND expires_at > now()", userID).
		Order("last_seen_at DESC").Limit(100).Find(&ss).Error
	return ss, err
}

// IsToken reports whether s belongs to token.
func (s *Session) IsToken(token string) bool {
	return s != nil && string(s.ID) == string(hashToken(token))
}
