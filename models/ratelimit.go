package models

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// sweepChance is the share of recorded events that also delete every expired
// row (each row expires when its window has passed); the per-key cleanup
// below keeps active keys small, the sweep removes keys that never come back
// (one-off IP addresses).
const sweepChance = 0.01

// hitRate records one event under key unless limit events already happened
// within window, in which case it records nothing and returns how long until
// the oldest of them leaves the window. tx must be a transaction: the
// advisory lock on the key (held until commit) makes count-then-insert
// atomic, so concurrent requests cannot slip past the limit together.
// A key is always counted over the same window.
func hitRate(tx *gorm.DB, key string, limit int, window time.Duration) (time.Duration, error) {
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, "rate:"+key).Error; err != nil {
		return 0, err
	}
	win := interval(window)
	var r struct {
		N    int
		Wait *float64
	}
	// The newest `limit` events in the window; when there are that many, a
	// slot frees up when the oldest of them expires.
	err := tx.Raw(`SELECT count(*) AS n, extract(epoch FROM min(created_at) + ?::interval - now())::float8 AS wait
		FROM (SELECT created_at FROM rate_events WHERE key = ? AND created_at > now() - ?::interval
			ORDER BY created_at DESC LIMIT ?) recent`, win, key, win, limit).Scan(&r).Error
	if err != nil {
		return 0, err
	}
	if r.N >= limit {
		return waitFor(r.Wait), nil
	}
	// Record the event and drop the key's rows that left the window, in one
	// round trip.
	if err := tx.Exec(`WITH expired AS (DELETE FROM rate_events WHERE key = ? AND created_at <= now() - ?::interval)
		INSERT INTO rate_events (key, expires_at) VALUES (?, now() + ?::interval)`, key, win, key, win).Error; err != nil {
		return 0, err
	}
	if rand.Float64() < sweepChance {
		return 0, tx.Exec(`DELETE FROM rate_events WHERE expires_at <= now()`).Error
	}
	return 0, nil
}

// waitFor turns seconds computed by the database into a Retry-After of at
// least one second (a limit hit right at the edge still means "wait").
func waitFor(secs *float64) time.Duration {
	if secs == nil || *secs < 1 {
		return time.Second
	}
	return time.Duration(math.Ceil(*secs)) * time.Second
}

// interval formats d as a PostgreSQL interval literal.
func interval(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + " milliseconds"
}

// waitText is a short human duration: "12 seconds", "3 minutes".
func waitText(d time.Duration) string {
	s := int(math.Ceil(d.Seconds()))
	switch {
	case s < 60:
		return pluralize(s, "second")
	case s < 3600:
		return pluralize((s+59)/60, "minute")
	}
	return pluralize((s+3599)/3600, "hour")
}

func pluralize(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// CheckIPAction counts one state-changing request from a client IP against
// per_ip_actions_per_minute and returns a *RateLimitError beyond it. Staff
// are not limited; the caller skips them.
func CheckIPAction(ctx context.Context, db *gorm.DB, ip string) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := loadSettings(tx)
		if err != nil {
			return err
		}
		wait, err := hitRate(tx, "ip:"+ip, s.PerIPActionsPerMinute, time.Minute)
		if err != nil || wait == 0 {
			return err
		}
		return &RateLimitError{
			Message:    "Too many changes from your network in the last minute. Please wait " + waitText(wait) + " and try again.",
			RetryAfter: wait,
		}
	})
}

// checkSignup counts one new account from a client IP against
// signups_per_ip_per_hour, inside the transaction that creates the account
// (a refused or failed sign-up records nothing), and returns a
// *RateLimitError beyond it.
func checkSignup(tx *gorm.DB, ip string) error {
	s, err := loadSettings(tx)
	if err != nil {
		return err
	}
	wait, err := hitRate(tx, "signup:"+ip, s.SignupsPerIPPerHour, time.Hour)
	if err != nil || wait == 0 {
		return err
	}
	return &RateLimitError{
		Message: "Too many new accounts were created from your network in the last hour. " +
			"If you already have an account, sign in with it; otherwise please try again in " + waitText(wait) + ".",
		RetryAfter: wait,
	}
}
