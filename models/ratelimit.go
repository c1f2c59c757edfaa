package models

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Rate limits count events per key in rate_keys: one row per key holding
// the counts of its buckets (a second for the minute limits, a minute for
// longer windows) that are still in the window, so a hit is one upsert
// whatever the limit: the daily vote cap no longer reads every vote of the
// day, only the minutes the member voted in. A key is always counted over
// the same window.
//
// The window is counted in whole buckets, the oldest one included while it
// started less than a window ago, so a limit may let through the events of
// up to one bucket more than an exact sliding window would, and Retry-After
// is up to one bucket early (a second, or a minute of a day).

// rateHit is one event to count: key against limit events per window.
type rateHit struct {
	key    string
	limit  int
	window time.Duration
}

// step is the bucket size of a window: a sixtieth of it, at most a minute.
func (h rateHit) step() time.Duration { return min(h.window/60, time.Minute) }

// hitRates counts one event under every key of hits in one call of
// cw_hit_rates (migration 00035: one upsert per key, concurrent hits on a
// key queue on its row) and returns the first hit (in the order given)
// that went over its limit, with how long until it has room again; over
// is -1 when none did. tx must be a transaction, and the caller must roll
// it back when a hit is over: the counts were already raised, and a
// refused request records nothing.
func hitRates(tx *gorm.DB, hits []rateHit) (over int, wait time.Duration, err error) {
	keys, wins, steps, lims := make([]string, len(hits)), make([]string, len(hits)), make([]string, len(hits)), make([]int64, len(hits))
	for i, h := range hits {
		keys[i], wins[i], steps[i], lims[i] = h.key, interval(h.window), interval(h.step()), int64(h.limit)
	}
	// The connection itself: GORM would spread the arrays into lists.
	rows, err := tx.Statement.ConnPool.QueryContext(tx.Statement.Context,
		`SELECT hit_key, hit_total, hit_wait FROM cw_hit_rates($1, $2::text[]::interval[], $3::text[]::interval[], $4)`, keys, wins, steps, lims)
	if err != nil {
		return -1, 0, err
	}
	defer rows.Close()
	totals := make(map[string]int64, len(hits))
	waits := make(map[string]*float64, len(hits))
	for rows.Next() {
		var key string
		var total int64
		var wait *float64
		if err := rows.Scan(&key, &total, &wait); err != nil {
			return -1, 0, err
		}
		totals[key], waits[key] = total, wait
	}
	if err := rows.Err(); err != nil {
		return -1, 0, err
	}
	for i, h := range hits {
		if totals[h.key] > int64(h.limit) {
			return i, waitFor(waits[h.key]), nil
		}
	}
	return -1, 0, nil
}

// hitRate counts one event under key (see hitRates) and returns how long to
// wait when that went over limit, 0 otherwise.
func hitRate(tx *gorm.DB, key string, limit int, window time.Duration) (time.Duration, error) {
	_, wait, err := hitRates(tx, []rateHit{{key, limit, window}})
	return wait, err
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

// Origin is where a state-changing request came from: the client address
// and, for a bearer token, the token. Both are counted against
// per_ip_actions_per_minute.
type Origin struct {
	IP      string
	TokenID int64 // 0 for a session
}

// actionKeys are the rate keys one action from o counts under.
func (o *Origin) actionKeys() []string {
	keys := []string{"ip:" + o.IP}
	if o.TokenID != 0 {
		keys = append(keys, "token:"+itoa(o.TokenID))
	}
	return keys
}

// actionHits are the hits one action from o counts.
func (o *Origin) actionHits(s *SiteSettings) []rateHit {
	var hits []rateHit
	for _, k := range o.actionKeys() {
		hits = append(hits, rateHit{k, s.PerIPActionsPerMinute, time.Minute})
	}
	return hits
}

// actionLimitError explains the action hit that went over the limit.
func actionLimitError(h rateHit, wait time.Duration) error {
	who := "your network"
	if strings.HasPrefix(h.key, "token:") {
		who = "this token"
	}
	return &RateLimitError{
		Message:    "Too many changes from " + who + " in the last minute. Please wait " + waitText(wait) + " and try again.",
		RetryAfter: wait,
	}
}

// CheckAction counts one state-changing request from o against
// per_ip_actions_per_minute (for its address and its token) and returns a
// *RateLimitError beyond it, recording nothing then. Staff are not limited;
// the caller skips them.
func CheckAction(ctx context.Context, db *gorm.DB, o Origin) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s, err := loadSettings(tx)
		if err != nil {
			return err
		}
		hits := o.actionHits(s)
		over, wait, err := hitRates(tx, hits)
		if err != nil || over < 0 {
			return err
		}
		return actionLimitError(hits[over], wait)
	})
}

// CheckIPAction counts one state-changing request from a client IP against
// per_ip_actions_per_minute and returns a *RateLimitError beyond it. Staff
// are not limited; the caller skips them.
func CheckIPAction(ctx context.Context, db *gorm.DB, ip string) error {
	return CheckAction(ctx, db, Origin{IP: ip})
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
