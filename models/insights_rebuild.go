package models

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"
)

// The rebuild goes through the ideas by id range, one short transaction
// per chunk, and never holds one snapshot for the whole run: at a million
// ideas a single transaction took over a minute, and while it ran
// PostgreSQL could prune no row version newer than its start, so every
// vote's update of ideas went into every index (a vote cost 12× as much).
//
// Each chunk replaces the chunk's ideas' rows of insights_idea_demand, so
// a reader sees each idea's demand whole, old or new. What spans all ideas
// (each account's idea count, each member's activity, the top ideas, the
// weekly and status counts) is summed in memory over the chunks and
// written by the last transaction with the snapshot: nothing half-built is
// ever stored, and a rebuild that dies leaves nothing for the next to
// clear. Every sum is exact, so the result is what one transaction would
// compute when nothing changes meanwhile; the chunks see the data as it is
// when each runs. The queue runs one rebuild at a time
// (insightsRefreshOpts); two at once would still each write whole ideas
// and a whole snapshot.

// Chunk sizing: the chunk after a chunk that took d has size·target/d
// ideas (at most twice or half the last), within min and max.
const (
	insightsChunkFirst  = 1_000
	insightsChunkMin    = 500
	insightsChunkMax    = 200_000
	insightsChunkTarget = 500 * time.Millisecond
)

// RefreshInsights rebuilds the demand rollup and the default view's
// snapshot as of now, in short transactions on db (readers see the old
// snapshot until the last one commits).
func RefreshInsights(ctx context.Context, db *gorm.DB, fx FX, now time.Time) error {
	_, err := refreshInsights(ctx, db, fx, now, 0, nil)
	return err
}

// rebuildStats says how a rebuild went, for the log.
type rebuildStats struct {
	Chunks  int
	Longest time.Duration // the longest chunk's transaction
	Took    time.Duration
}

// insightsRebuild is a rebuild's sums so far.
type insightsRebuild struct {
	fx       FX
	f        InsightsFilter
	top      []IdeaSegments
	weekly   []WeekActivity
	statuses map[string]int64
	members  map[int64]*[3]int64 // ideas, votes, comments
	accounts map[int64]int64     // ideas at stake
	// memberUsers and memberAccounts are crm_memberships as array literals.
	memberUsers, memberAccounts string
}

// refreshInsights rebuilds in chunks of chunk ideas (0: sized to take
// about insightsChunkTarget each); finish, when set, runs in the last
// transaction (the job completes itself there).
func refreshInsights(ctx context.Context, db *gorm.DB, fx FX, now time.Time, chunk int, finish func(tx *gorm.DB) error) (rebuildStats, error) {
	began := time.Now()
	var stats rebuildStats
	if fx.Currency == "" {
		fx.Currency = "USD" // as ParseFX defaults
	}
	db = db.WithContext(ctx)
	f, err := ParseInsightsQuery(ctx, db, InsightsQuery{}, now)
	if err != nil {
		return stats, err
	}
	f.rollup = true // each chunk reads the rollup rows it has just written
	r := &insightsRebuild{fx: fx, f: f, statuses: map[string]int64{}, members: map[int64]*[3]int64{}, accounts: map[int64]int64{}}
	members, err := int64Columns(db, `SELECT coalesce(array_agg(user_id), '{}'), coalesce(array_agg(account_id), '{}') FROM crm_memberships`, nil, 2)
	if err != nil {
		return stats, err
	}
	r.memberUsers, r.memberAccounts = int64Array(members[0]), int64Array(members[1])
	size := chunk
	if chunk <= 0 {
		size = insightsChunkFirst
	}
	for lo := int64(0); lo < math.MaxInt64; {
		start := time.Now()
		hi := int64(math.MaxInt64)
		err := rebuildTx(db, func(tx *gorm.DB) error {
			// The chunk ends before the idea size ideas on; the last one
			// is open, so rows of ideas deleted since go too.
			var next []int64
			if err := tx.Raw(`SELECT id FROM ideas WHERE id >= ? ORDER BY id OFFSET ? LIMIT 1`, lo, size).Scan(&next).Error; err != nil {
				return err
			}
			if len(next) == 1 {
				hi = next[0]
			}
			return r.chunk(ctx, tx, ideaRange{lo, hi})
		})
		if err != nil {
			return stats, err
		}
		stats.Chunks++
		took := time.Since(start)
		stats.Longest = max(stats.Longest, took)
		lo = hi
		if chunk <= 0 {
			size = nextChunkSize(size, took)
		}
	}
	err = rebuildTx(db, func(tx *gorm.DB) error {
		if err := r.finish(ctx, tx, began); err != nil {
			return err
		}
		if finish != nil {
			return finish(tx)
		}
		return nil
	})
	stats.Took = time.Since(began)
	return stats, err
}

// rebuildTx runs fn in a transaction with the rebuild's settings: the
// job's time rather than the requests' statement timeout (a chunk may wait
// on a lock), no JIT (the estimates through the demand view are far too
// high), work_mem for the aggregates and plans for each chunk's values.
func rebuildTx(db *gorm.DB, fn func(tx *gorm.DB) error) error {
	return db.Transaction(func(tx *gorm.DB) error {
		for _, s := range []string{fmt.Sprintf(`SET LOCAL statement_timeout = %d`, insightsRefreshTimeout.Milliseconds()),
			`SET LOCAL jit = off`, `SET LOCAL work_mem = '64MB'`,
			// Each chunk's bounds and arrays are planned for, not a
			// generic plan made once for all chunks.
			`SET LOCAL plan_cache_mode = force_custom_plan`} {
			if err := tx.Exec(s).Error; err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// nextChunkSize aims the next chunk at insightsChunkTarget from the last.
func nextChunkSize(size int, took time.Duration) int {
	scale := float64(insightsChunkTarget) / float64(max(took, time.Millisecond))
	scale = min(max(scale, 0.5), 2)
	return min(max(int(float64(size)*scale), insightsChunkMin), insightsChunkMax)
}

// chunk rebuilds the rollup rows of the ideas in c and adds their share
// of the snapshot's sums.
func (r *insightsRebuild) chunk(ctx context.Context, tx *gorm.DB, c ideaRange) error {
	f := r.f
	f.chunk = &c
	// The chunk's (idea, account) demand as idea_account_demand counts it,
	// with the members read once per rebuild (computing crm_memberships
	// per chunk cost 0.3 s at 200,000 members); it replaces the chunk's
	// rollup rows, writing only those that changed, and gives each
	// account's number of ideas.
	accounts, err := int64Columns(tx, `WITH m AS MATERIALIZED (SELECT * FROM unnest(CAST(? AS bigint[]), CAST(? AS bigint[])) AS m(user_id, account_id)),
	pairs AS MATERIALIZED (
		SELECT idea_id, account_id, count(*) FILTER (WHERE NOT linked) AS votes FROM (
			SELECT ia.idea_id, ia.account_id, true AS linked FROM idea_accounts ia WHERE true`+f.within("ia.idea_id")+`
			UNION ALL
			SELECT v.idea_id, m.account_id, false FROM votes v JOIN m ON m.user_id = v.user_id WHERE true`+f.within("v.idea_id")+`) x
		GROUP BY idea_id, account_id),
	fresh AS MATERIALIZED (
		SELECT d.idea_id, a.segment, a.currency, count(*) AS accounts, sum(d.votes)::bigint AS votes, sum(a.arr_cents)::bigint AS arr_cents
		FROM pairs d JOIN crm_accounts a ON a.id = d.account_id
		GROUP BY d.idea_id, a.segment, a.currency),
	gone AS (DELETE FROM insights_idea_demand x WHERE true`+f.within("x.idea_id")+` AND NOT EXISTS (SELECT 1 FROM fresh n
		WHERE n.idea_id = x.idea_id AND n.segment = x.segment AND n.currency = x.currency)),
	put AS (INSERT INTO insights_idea_demand AS x (idea_id, segment, currency, accounts, votes, arr_cents)
		SELECT n.idea_id, n.segment, n.currency, n.accounts, n.votes, n.arr_cents FROM fresh n
		WHERE NOT EXISTS (SELECT 1 FROM insights_idea_demand o WHERE o.idea_id = n.idea_id AND o.segment = n.segment AND o.currency = n.currency
			AND o.accounts = n.accounts AND o.votes = n.votes AND o.arr_cents = n.arr_cents)
		ORDER BY n.idea_id, n.segment, n.currency
		ON CONFLICT (idea_id, segment, currency) DO UPDATE SET accounts = EXCLUDED.accounts, votes = EXCLUDED.votes, arr_cents = EXCLUDED.arr_cents)
	SELECT coalesce(array_agg(account_id), '{}'), coalesce(array_agg(n), '{}')
	FROM (SELECT account_id, count(*) AS n FROM pairs GROUP BY account_id) c`, []any{r.memberUsers, r.memberAccounts}, 2)
	if err != nil {
		return err
	}
	for i, id := range accounts[0] {
		r.accounts[id] += accounts[1][i]
	}
	sel, args := f.ideaSet()
	members, err := int64Columns(tx, `WITH `+sel+`, `+f.memberActivity()+`
		SELECT coalesce(array_agg(user_id), '{}'), coalesce(array_agg(ideas), '{}'), coalesce(array_agg(votes), '{}'), coalesce(array_agg(comments), '{}')
		FROM per WHERE user_id IS NOT NULL`, args, 4)
	if err != nil {
		return err
	}
	for i, id := range members[0] {
		m := r.members[id]
		if m == nil {
			m = &[3]int64{}
			r.members[id] = m
		}
		m[0] += members[1][i]
		m[1] += members[2][i]
		m[2] += members[3][i]
	}
	// Each idea's demand is whole in its chunk, so the top ideas overall
	// are the top of the chunks' tops.
	top, err := topByARR(ctx, tx, r.fx, f)
	if err != nil {
		return err
	}
	r.top = append(r.top, top...)
	sort.SliceStable(r.top, func(i, j int) bool {
		a, b := r.top[i].Idea, r.top[j].Idea
		return a.ARRCents > b.ARRCents || a.ARRCents == b.ARRCents && a.ID > b.ID
	})
	r.top = r.top[:min(len(r.top), InsightsTop)]
	weekly, err := weeklyActivity(ctx, tx, f)
	if err != nil {
		return err
	}
	if r.weekly == nil {
		r.weekly = weekly
	} else {
		for i := range weekly {
			r.weekly[i].Ideas += weekly[i].Ideas
			r.weekly[i].Votes += weekly[i].Votes
			r.weekly[i].Comments += weekly[i].Comments
		}
	}
	statuses, err := statusCounts(ctx, tx, f)
	if err != nil {
		return err
	}
	for _, s := range statuses {
		r.statuses[s.Status] += s.Ideas
	}
	return nil
}

// finish writes each account's idea count, ranks the members by their
// summed activity and writes the snapshot, in one short transaction.
func (r *insightsRebuild) finish(ctx context.Context, tx *gorm.DB, began time.Time) error {
	ids, counts := make([]int64, 0, len(r.accounts)), make([]int64, 0, len(r.accounts))
	for id, n := range r.accounts {
		ids, counts = append(ids, id), append(counts, n)
	}
	for _, s := range []string{
		`DELETE FROM insights_account_ideas WHERE account_id NOT IN (SELECT unnest(CAST(? AS bigint[])))`,
		`INSERT INTO insights_account_ideas AS x (account_id, ideas)
		SELECT * FROM unnest(CAST(? AS bigint[]), CAST(? AS bigint[]))
		ON CONFLICT (account_id) DO UPDATE SET ideas = EXCLUDED.ideas WHERE x.ideas <> EXCLUDED.ideas`,
	} {
		args := []any{int64Array(ids)}
		if strings.Count(s, "?") == 2 {
			args = append(args, int64Array(counts))
		}
		if err := tx.Exec(s, args...).Error; err != nil {
			return err
		}
	}
	var cols [4][]int64
	for id, m := range r.members {
		cols[0] = append(cols[0], id)
		for i := range m {
			cols[i+1] = append(cols[i+1], m[i])
		}
	}
	f := r.f
	d := insightsSnapshotData{FXKey: r.fx.key(), TopARR: r.top, Weekly: r.weekly}
	var err error
	if d.Concentration, err = rankMembers(ctx, tx, `WITH per AS (SELECT * FROM unnest(CAST(? AS bigint[]), CAST(? AS bigint[]),
		CAST(? AS bigint[]), CAST(? AS bigint[])) AS p(user_id, ideas, votes, comments))`,
		[]any{int64Array(cols[0]), int64Array(cols[1]), int64Array(cols[2]), int64Array(cols[3])}, f.To); err != nil {
		return err
	}
	for _, s := range Statuses {
		if s != StatusMerged {
			d.Statuses = append(d.Statuses, StatusCount{Status: s, Ideas: r.statuses[s]})
		}
	}
	// Only ideas that moved to planned or shipped count, found from their
	// status changes: one short statement for all of them.
	if d.Cycle, err = cycleTimes(ctx, tx, f); err != nil {
		return err
	}
	d.TookMS = time.Since(began).Milliseconds()
	data, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO insights_snapshot (id, day, computed_at, data) VALUES (true, ?, now(), CAST(? AS jsonb))
		ON CONFLICT (id) DO UPDATE SET day = EXCLUDED.day, computed_at = EXCLUDED.computed_at, data = EXCLUDED.data`,
		f.To.AddDate(0, 0, -1).Format(time.DateOnly), string(data)).Error
}

// int64Array is ns as a PostgreSQL array literal (one argument, where a Go
// slice would be spread into a list).
func int64Array(ns []int64) string {
	b := make([]byte, 0, 8*len(ns)+2)
	b = append(b, '{')
	for i, n := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return string(append(b, '}'))
}

// int64Columns runs q, which returns one row of n bigint arrays.
func int64Columns(tx *gorm.DB, q string, args []any, n int) ([][]int64, error) {
	m := pgtype.NewMap()
	out := make([][]int64, n)
	dest := make([]any, n)
	for i := range out {
		dest[i] = m.SQLScanner(&out[i])
	}
	err := tx.Raw(q, args...).Row().Scan(dest...)
	return out, err
}
