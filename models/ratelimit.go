package models

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Rate limits count events per key in rate_counts, one row per key and
// bucket (a second for the minute limits, a minute for longer windows), so
// a hit is one upsert whatever the limit: the daily vote cap no longer
// reads every vote of the day, only the minutes the member voted in. A key
// is always counted over the same window.
//
// The window is counted in whole buckets, the oldest one included while it
// started less than a window ago, so a limit may let through the events of
// up to one bucket more than an exact sliding window would, and Retry-After
// is up to one bucket early (a second, or a minute of a day).

// sweepChance is the share of hits that also delete expired rows of every
// key (keys that never come back, such as one-off IP addresses); a key's
// own expired rows go whenever it is hit.
const sweepChance = 0.01

// rateHit is one event to count: key against limit events per window.
type rateHit struct {
	key    string
	limit  int
	window time.Duration
}

// step is the bucket size of a window: a sixtieth of it, at most a minute.
func (h rateHit) step() time.Duration { return min(h.window/60, time.Minute) }

// hitRates counts one event under every key of hits in one statement and
// returns the first hit (in the order given) that went over its limit,
// with how long until it has room again; over is -1 when none did. tx must
// be a transaction, and the caller must roll it back when a hit is over:
// the counts were already raised, and a refused request records nothing.
//
// The upsert locks the key's current bucket until commit, so concurrent
// hits on one key queue there and each sees the others' counts: two
// requests cannot both take the last slot. Keys are locked in sorted order,
// so requests sharing several keys (an address and a token) cannot
// deadlock.
func hitRates(tx *gorm.DB, hits []rateHit) (over int, wait time.Duration, err error) {
	order := make([]int, len(hits))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(hits[a].key, hits[b].key) })
	var vals []string
	var args []any
	for _, i := range order {
		vals = append(vals, "(?::text, ?::interval, ?::interval)")
		args = append(args, hits[i].key, interval(hits[i].window), interval(hits[i].step()))
	}
	// The key's expired buckets go in the same round trip; the new count
	// is the key's current bucket plus its other buckets in the window.
	var rows []struct {
		Key   string
		Total int64
	}
	err = tx.Raw(`WITH k (key, win, step) AS (VALUES `+strings.Join(vals, ", ")+`),
		expired AS (DELETE FROM rate_counts o USING k WHERE o.key = k.key AND o.expires_at <= now()),
		up AS (INSERT INTO rate_counts AS r (key, bucket, n, expires_at)
			SELECT key, date_bin(step, now(), timestamptz '2000-01-01'), 1, date_bin(step, now(), timestamptz '2000-01-01') + win
			FROM k ORDER BY key
			ON CONFLICT (key, bucket) DO UPDATE SET n = r.n + 1
			RETURNING r.key, r.bucket, r.n)
		SELECT up.key, up.n + coalesce((SELECT sum(o.n) FROM rate_counts o
			WHERE o.key = up.key AND o.bucket > now() - k.win AND o.bucket <> up.bucket), 0) AS total
		FROM up JOIN k ON k.key = up.key`, args...).Scan(&rows).Error
	if err != nil {
		return -1, 0, err
	}
	totals := make(map[string]int64, len(rows))
	for _, r := range rows {
		totals[r.Key] = r.Total
	}
	for i, h := range hits {
		if totals[h.key] > int64(h.limit) {
			wait, err := rateWait(tx, h, totals[h.key])
			return i, wait, err
		}
	}
	if rand.Float64() < sweepChance {
		// SKIP LOCKED: the sweep never waits for, or deadlocks with, a
		// request that is counting one of those keys right now.
		err = tx.Exec(`DELETE FROM rate_counts WHERE (key, bucket) IN
			(SELECT key, bucket FROM rate_counts WHERE expires_at <= now() LIMIT 10000 FOR UPDATE SKIP LOCKED)`).Error
	}
	return -1, 0, err
}

// rateWait is how long until hit's key has room again, when total counts
// (this request's included) are over its limit: until enough of its oldest
// buckets have left the window for this request to fit.
func rateWait(tx *gorm.DB, h rateHit, total int64) (time.Duration, error) {
	var buckets []struct {
		N    int64
		Wait float64
	}
	if err := tx.Raw(`SELECT n, extract(epoch FROM bucket + ?::interval - now())::float8 AS wait
		FROM rate_counts WHERE key = ? AND bucket > now() - ?::interval ORDER BY bucket`,
		interval(h.window), h.key, interval(h.window)).Scan(&buckets).Error; err != nil {
		return 0, err
	}
	need := total - int64(h.limit) // events that must leave the window
	for _, b := range buckets {
		if need -= b.N; need <= 0 {
			return waitFor(&b.Wait), nil
		}
	}
	return h.window, nil
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

// actionHits are the hits one action from o counts.
func (o *Origin) actionHits(s *SiteSettings) []rateHit {
	hits := []rateHit{{"ip:" + o.IP, s.PerIPActionsPerMinute, time.Minute}}
	if o.TokenID != 0 {
		hits = append(hits, rateHit{"token:" + itoa(o.TokenID), s.PerIPActionsPerMinute, time.Minute})
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
