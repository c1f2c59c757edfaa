package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// AuthState is one OAuth attempt in flight, stored server-side. The state
// value sent to the provider is random per attempt and single-use; the
// browser that started the attempt holds a second random value in a cookie,
// so a callback URL planted in someone else's browser is refused.
type AuthState struct {
	ID           []byte
	Provider     string
	BrowserHash  []byte
	CodeVerifier string
	// Nonce is sent to an OpenID Connect provider and must come back in
	// the ID token (OpenID Connect Core 3.1.2.1, 3.1.3.7).
	Nonce        string
	ProviderData string
	NextPath     string
	LinkUserID   *int64
	ExpiresAt    time.Time
}

// AuthStateTTL bounds how long a person may take at the provider.
const AuthStateTTL = 10 * time.Minute

// CreateAuthState records an attempt under state (sent to the provider) and
// browser (kept in the cookie of the browser that started it), both fresh
// values from NewToken; only their hashes are stored.
func CreateAuthState(ctx context.Context, db *gorm.DB, a AuthState, state, browser string) error {
	a.ID, a.BrowserHash = hashToken(state), hashToken(browser)
	a.ExpiresAt = time.Now().Add(AuthStateTTL)
	db = db.WithContext(ctx)
	// Expired attempts are swept here: no separate job needed.
	if err := db.Where("expires_at < now()").Delete(&AuthState{}).Error; err != nil {
		return err
	}
	return db.Create(&a).Error
}

// ConsumeAuthState takes an attempt out of the store. It fails for unknown,
// reused or expired states and for another browser's cookie.
func ConsumeAuthState(ctx context.Context, db *gorm.DB, state, browser, provider string) (*AuthState, error) {
	invalid := &Problem{Kind: ErrBadRequest, Message: "This sign-in link is invalid or has expired. Please start again."}
	if state == "" || browser == "" {
		return nil, invalid
	}
	// Only the browser that started the attempt can use (and so use up) it.
	var rows []AuthState
	err := db.WithContext(ctx).Raw(`DELETE FROM auth_states WHERE id = ? AND browser_hash = ? AND provider = ? RETURNING *`,
		hashToken(state), hashToken(browser), provider).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) != 1 || rows[0].ExpiresAt.Before(time.Now()) {
		return nil, invalid
	}
	return &rows[0], nil
}
