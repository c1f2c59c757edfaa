package models_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// addDemand adds n visible ideas with accounts at stake, several with the
// same ARR (ties are broken by id), so the top list has more candidates
// than it shows and spans chunks.
func (f *insightsFixture) addDemand(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		var id int64
		if err := f.db.Raw(`INSERT INTO ideas (title, category_id, author_id, status, created_at)
			VALUES ('Demand idea ' || CAST(? AS bigint), (SELECT id FROM categories WHERE slug = 'general'), ?, 'open', '2026-06-05') RETURNING id`,
			i, f.users[[]string{"ann", "cat", "dan"}[i%3]]).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		for _, sql := range []string{
			`INSERT INTO idea_accounts (idea_id, account_id) SELECT ?, id FROM crm_accounts WHERE name = (ARRAY['Acme', 'Beta', 'Euro', 'Yen'])[? % 4 + 1]`,
			`INSERT INTO votes (idea_id, user_id, created_at) SELECT ?, id, '2026-06-12' FROM users WHERE name = (ARRAY['bob', 'cat', 'eve', 'fay'])[? % 4 + 1]`,
			`INSERT INTO comments (idea_id, author_id, body, body_html, created_at) SELECT ?, id, 'Me too', '<p>Me too</p>', '2026-06-13' FROM users WHERE name = (ARRAY['eve', 'ann'])[? % 2 + 1]`,
		} {
			if err := f.db.Exec(sql, id, i).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
	}
	if err := f.db.Exec(`UPDATE ideas i SET vote_count = (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)`).Error; err != nil {
		t.Fatal(err)
	}
}

// liveRollups is what the rollup tables must hold, computed from the
// demand view; storedRollups is what they hold.
func (f *insightsFixture) liveRollups(t *testing.T) string {
	t.Helper()
	return f.text(t, `SELECT concat_ws(E'\n',
		(SELECT string_agg(concat_ws(' ', idea_id, segment, currency, accounts, votes, arr_cents), ';' ORDER BY idea_id, segment, currency)
			FROM (SELECT d.idea_id, a.segment, a.currency, count(*) AS accounts, sum(d.votes) AS votes, sum(a.arr_cents) AS arr_cents
			FROM idea_account_demand d JOIN crm_accounts a ON a.id = d.account_id GROUP BY 1, 2, 3) x),
		(SELECT string_agg(concat_ws(' ', account_id, n), ';' ORDER BY account_id)
			FROM (SELECT account_id, count(*) AS n FROM idea_account_demand GROUP BY 1) y))`)
}

func (f *insightsFixture) storedRollups(t *testing.T) string {
	t.Helper()
	return f.text(t, `SELECT concat_ws(E'\n',
		(SELECT string_agg(concat_ws(' ', idea_id, segment, currency, accounts, votes, arr_cents), ';' ORDER BY idea_id, segment, currency)
			FROM insights_idea_demand),
		(SELECT string_agg(concat_ws(' ', account_id, ideas), ';' ORDER BY account_id) FROM insights_account_ideas))`)
}

// snapshotData is the stored snapshot without the rebuild's own time.
func (f *insightsFixture) snapshotData(t *testing.T) string {
	t.Helper()
	return f.text(t, `SELECT (data - 'TookMS')::text FROM insights_snapshot`)
}

func (f *insightsFixture) text(t *testing.T, sql string) string {
	t.Helper()
	var s *string
	if err := f.db.Raw(sql).Scan(&s).Error; err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// A rebuild one idea per transaction stores exactly what one transaction
// does: the rollups the demand view gives (stale rows of a previous run
// replaced or removed) and the same snapshot, which serves the live
// numbers.
func TestInsightsRebuildInChunksIsExact(t *testing.T) {
	f := newInsightsFixture(t)
	f.addDemand(t, 24)
	live := insightsJSON(t, f.load(t, models.InsightsQuery{}))
	liveSMB := insightsJSON(t, f.load(t, models.InsightsQuery{Segment: "SMB"}))
	// Leftovers a rebuild must correct: a gone idea, a wrong count, an
	// account without ideas.
	for _, sql := range []string{
		`INSERT INTO insights_idea_demand VALUES (987654, 'SMB', 'USD', 1, 1, 100)`,
		`INSERT INTO insights_idea_demand SELECT id, 'Enterprise', 'USD', 9, 9, 9 FROM ideas WHERE title LIKE 'Single sign-on%'`,
		`INSERT INTO insights_account_ideas SELECT 987654, 3 UNION ALL SELECT id, 99 FROM crm_accounts WHERE name = 'Acme'`,
	} {
		if err := f.db.Exec(sql).Error; err != nil {
			t.Fatal(err)
		}
	}
	var first string
	for _, chunk := range []int{1, 2, 7, 1 << 30} {
		if err := models.RefreshInsightsInChunks(ctx, f.db, f.fx, insightsNow, chunk); err != nil {
			t.Fatalf("chunks of %d: %v", chunk, err)
		}
		if got, want := f.storedRollups(t), f.liveRollups(t); got != want {
			t.Errorf("chunks of %d: rollups\n%s\nwant\n%s", chunk, got, want)
		}
		snap := f.snapshotData(t)
		if first == "" {
			first = snap
		} else if snap != first {
			t.Errorf("chunks of %d: snapshot\n%s\nchunks of 1:\n%s", chunk, snap, first)
		}
		if got := insightsJSON(t, f.load(t, models.InsightsQuery{})); got != live {
			t.Errorf("chunks of %d: served\n%s\nlive\n%s", chunk, got, live)
		}
		if got := insightsJSON(t, f.load(t, models.InsightsQuery{Segment: "SMB"})); got != liveSMB {
			t.Errorf("chunks of %d: SMB served\n%s\nlive\n%s", chunk, got, liveSMB)
		}
	}
	if n := strings.Count(first, `"Idea"`); n != models.InsightsTop {
		t.Errorf("the snapshot ranks %d ideas by ARR, want %d (the fixture must have more than the top)", n, models.InsightsTop)
	}
	// Changes since: a new vote from an account, a link gone.
	for _, sql := range []string{
		`INSERT INTO votes (idea_id, user_id) VALUES (?, (SELECT id FROM users WHERE name = 'dan'))`,
		`DELETE FROM idea_accounts WHERE idea_id = ? AND account_id = (SELECT id FROM crm_accounts WHERE name = 'Euro')`,
	} {
		if err := f.db.Exec(sql, f.sso).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := models.RefreshInsightsInChunks(ctx, f.db, f.fx, insightsNow, 1); err != nil {
		t.Fatal(err)
	}
	if got, want := f.storedRollups(t), f.liveRollups(t); got != want {
		t.Errorf("after changes: rollups\n%s\nwant\n%s", got, want)
	}
}

// commitTracer records statements and cancels a context once the n-th
// COMMIT is done, as a process that dies mid-rebuild would stop.
type commitTracer struct {
	sqlRecorder
	mu      sync.Mutex
	commits int
	stopAt  int
	cancel  func()
}

// stopHere marks the context of the COMMIT after which to stop.
type stopHere struct{}

func (c *commitTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.EqualFold(strings.TrimSpace(d.SQL), "commit") {
		c.mu.Lock()
		c.commits++
		if c.commits == c.stopAt {
			ctx = context.WithValue(ctx, stopHere{}, true)
		}
		c.mu.Unlock()
	}
	return c.sqlRecorder.TraceQueryStart(ctx, conn, d)
}

func (c *commitTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if ctx.Value(stopHere{}) != nil {
		c.cancel()
	}
}

// tracedDB is a second handle on f's database whose statements tr sees.
func (f *insightsFixture) tracedDB(t *testing.T, tr pgx.QueryTracer) *gorm.DB {
	t.Helper()
	name := f.text(t, `SELECT current_database()`)
	db, err := models.Open(ctx, testdb.WithDatabase(testdb.AdminURL(t), name), models.DBOptions{Tracer: tr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { models.SQLDB(db).Close() })
	return db
}

// The rebuild commits chunk by chunk: with one idea per chunk, one
// transaction per idea rebuilds that idea's rollup, and one more writes
// the snapshot. (In one transaction PostgreSQL could prune no row version
// newer than its start until it ended.)
func TestInsightsRebuildCommitsChunkByChunk(t *testing.T) {
	f := newInsightsFixture(t)
	f.addDemand(t, 3)
	tr := &commitTracer{}
	db := f.tracedDB(t, tr)
	if err := models.RefreshInsightsInChunks(ctx, db, f.fx, insightsNow, 1); err != nil {
		t.Fatal(err)
	}
	var ideas int
	if err := f.db.Raw(`SELECT count(*) FROM ideas`).Scan(&ideas).Error; err != nil {
		t.Fatal(err)
	}
	var txs [][]string
	cur := []string{}
	for _, s := range tr.take() {
		cur = append(cur, s)
		if strings.EqualFold(strings.TrimSpace(s), "commit") {
			txs = append(txs, cur)
			cur = []string{}
		}
	}
	if len(txs) != ideas+1 {
		t.Fatalf("%d transactions for %d ideas one per chunk, want %d", len(txs), ideas, ideas+1)
	}
	for i, tx := range txs[:ideas] {
		rebuilt := 0
		for _, s := range tx {
			if strings.Contains(s, "DELETE FROM insights_idea_demand") {
				rebuilt++
			}
		}
		if rebuilt != 1 {
			t.Errorf("transaction %d rebuilt %d chunks of the rollup, want 1", i+1, rebuilt)
		}
	}
	if last := strings.Join(txs[ideas], "\n"); !strings.Contains(last, "INSERT INTO insights_snapshot") || strings.Contains(last, "insights_idea_demand") {
		t.Errorf("the last transaction should write the snapshot and nothing of a chunk:\n%s", last)
	}
}

// A rebuild stopped midway (here after three chunks) leaves each idea's
// rollup whole, old or new, and the old snapshot served; the next rebuild
// completes with the exact numbers.
func TestInsightsRebuildStoppedMidwayLeavesNothingBroken(t *testing.T) {
	f := newInsightsFixture(t)
	f.addDemand(t, 6)
	f.refresh(t, f.fx)
	old := f.storedRollups(t)
	computed := f.text(t, `SELECT computed_at::text FROM insights_snapshot`)
	// Every idea's demand changes.
	if err := f.db.Exec(`UPDATE crm_accounts SET arr_cents = arr_cents * 2`).Error; err != nil {
		t.Fatal(err)
	}
	want := f.liveRollups(t)
	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	db := f.tracedDB(t, &commitTracer{stopAt: 3, cancel: cancel})
	if err := models.RefreshInsightsInChunks(stop, db, f.fx, insightsNow, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("rebuild stopped after 3 chunks: %v", err)
	}
	if got := f.text(t, `SELECT computed_at::text FROM insights_snapshot`); got != computed {
		t.Errorf("a stopped rebuild replaced the snapshot (%s, was %s)", got, computed)
	}
	// Per idea: its rows are all old or all new.
	perIdea := func(rollups string) map[string]string {
		out := map[string]string{}
		for _, row := range strings.Split(strings.Split(rollups, "\n")[0], ";") {
			id := strings.Fields(row)[0]
			out[id] += row + ";"
		}
		return out
	}
	oldRows, newRows, got := perIdea(old), perIdea(want), perIdea(f.storedRollups(t))
	var fresh, stale int
	for id, rows := range got {
		switch rows {
		case newRows[id]:
			fresh++
		case oldRows[id]:
			stale++
		default:
			t.Errorf("idea %s: rollup %q is neither the old %q nor the new %q", id, rows, oldRows[id], newRows[id])
		}
	}
	if fresh == 0 || stale == 0 {
		t.Errorf("after 3 of the chunks: %d ideas rebuilt, %d not; want some of each", fresh, stale)
	}
	if err := models.RefreshInsights(ctx, f.db, f.fx, insightsNow); err != nil {
		t.Fatal(err)
	}
	if got := f.storedRollups(t); got != want {
		t.Errorf("after the next rebuild: rollups\n%s\nwant\n%s", got, want)
	}
}
