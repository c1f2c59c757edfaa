package models

import (
	"context"
	"fmt"
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

// rateSQL counts one event under each key of k (key, win, step, lim) and
// returns each key's total in the window with, when it is over lim, the
// seconds until enough of its oldest buckets have left the window for this
// event to fit. ON CONFLICT locks the key's row and computes the new
// buckets from its latest committed version, so concurrent hits on a key
// queue on the row and each counts the others, whatever bucket they fall
// in. Rows are inserted, and so locked, in key order: requests sharing
// several keys (an address and a token) cannot deadlock.
const rateSQL = `WITH k (key, win, step, lim) AS (VALUES %s),
	up AS (INSERT INTO rate_keys AS r (key, win, buckets, counts, sweep_at)
		SELECT key, win, ARRAY[b], ARRAY[1], date_bin('1 hour', b + win, timestamptz '2000-01-01') + interval '1 hour'
		FROM (SELECT key, win, date_bin(step, now(), timestamptz '2000-01-01') AS b FROM k) n ORDER BY key
		ON CONFLICT (key) DO UPDATE SET win = excluded.win, sweep_at = excluded.sweep_at,
			(buckets, counts) = (SELECT array_agg(b ORDER BY b), array_agg(n ORDER BY b) FROM (
				SELECT b, n + (b = excluded.buckets[1])::int AS n
				FROM unnest(r.buckets, r.counts) o (b, n) WHERE b > now() - excluded.win
				UNION ALL
				SELECT excluded.buckets[1], 1 WHERE excluded.buckets[1] <> ALL (r.buckets)) kept)
		RETURNING r.key, r.win, r.buckets, r.counts)
	SELECT up.key, t.total, w.wait
	FROM up JOIN k ON k.key = up.key
	CROSS JOIN LATERAL (SELECT sum(n) AS total FROM unnest(up.counts) n) t
	LEFT JOIN LATERAL (SELECT extract(epoch FROM b + up.win - now())::float8 AS wait
		FROM (SELECT b, sum(n) OVER (ORDER BY b) AS upto FROM unnest(up.buckets, up.counts) c (b, n)) c
		WHERE t.total > k.lim AND c.upto >= t.total - k.lim ORDER BY b LIMIT 1) w ON true`

// hitRates counts one event under every key of hits in one statement (see
// rateSQL) and returns the first hit (in the order given) that went over
// its limit, with how long until it has room again; over is -1 when none
// did. tx must be a transaction, and the caller must roll it back when a
// hit is over: the counts were already raised, and a refused request
// records nothing.
func hitRates(tx *gorm.DB, hits []rateHit) (over int, wait time.Duration, err error) {
	vals := make([]string, len(hits))
	var args []any
	for i, h := range hits {
		vals[i] = "(?::text, ?::interval, ?::interval, ?::bigint)"
		args = append(args, h.key, interval(h.window), interval(h.step()), h.limit)
	}
	var rows []struct {
		Key   string
		Total int64
		Wait  *float64
	}
	if err := tx.Raw(fmt.Sprintf(rateSQL, strings.Join(vals, ", ")), args...).Scan(&rows).Error; err != nil {
		return -1, 0, err
	}
	totals := make(map[string]int64, len(rows))
	waits := make(map[string]*float64, len(rows))
	for _, r := range rows {
		totals[r.Key], waits[r.Key] = r.Total, r.Wait
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
