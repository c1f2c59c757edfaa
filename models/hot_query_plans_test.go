package models_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/crowdwise/crowdwise/models"
)

// sqlRecorder is a GORM logger that keeps every statement run, with its
// arguments written in, so a test can EXPLAIN exactly what the app sent.
type sqlRecorder struct {
	mu   sync.Mutex
	sqls []string
}

func (r *sqlRecorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *sqlRecorder) Info(context.Context, string, ...any)     {}
func (r *sqlRecorder) Warn(context.Context, string, ...any)     {}
func (r *sqlRecorder) Error(context.Context, string, ...any)    {}
func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	r.mu.Lock()
	r.sqls = append(r.sqls, s)
	r.mu.Unlock()
}

// As a pgx tracer it records every statement sent on a pool's connections,
// GORM's and direct ones, BEGIN and COMMIT included.
func (r *sqlRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	r.sqls = append(r.sqls, d.SQL)
	r.mu.Unlock()
	return ctx
}

func (r *sqlRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// recorded is db with every statement GORM runs recorded.
func recorded(db *gorm.DB) (*gorm.DB, *sqlRecorder) {
	rec := &sqlRecorder{}
	return db.Session(&gorm.Session{Logger: rec}), rec
}

// take returns the statements recorded since the last take.
func (r *sqlRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sqls
	r.sqls = nil
	return out
}

// bigTables are the tables that grow with the community: no hot statement
// may read one of them whole.
var bigTables = map[string]bool{"ideas": true, "votes": true, "comments": true, "follows": true, "rate_keys": true, "title_word_counts": true, "idea_ranks": true}

// planNode is a node of EXPLAIN (FORMAT JSON); the Actual fields are
// filled only by EXPLAIN ANALYZE.
type planNode struct {
	NodeType        string     `json:"Node Type"`
	Relation        string     `json:"Relation Name"`
	IndexName       string     `json:"Index Name"`
	TotalCost       float64    `json:"Total Cost"`
	PlanRows        float64    `json:"Plan Rows"`
	ActualRows      float64    `json:"Actual Rows"`
	ActualLoops     float64    `json:"Actual Loops"`
	RemovedByFilter float64    `json:"Rows Removed by Filter"`
	Hit             float64    `json:"Shared Hit Blocks"` // with BUFFERS
	Read            float64    `json:"Shared Read Blocks"`
	Plans           []planNode `json:"Plans"`
}

// walk calls fn for n and every node below it.
func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}

// explainWithoutSeqScans plans sql with sequential scans (and, for
// ordered lists, sorts) priced out of reach, as the planner prices a table
// of millions: the plan must then read no big table whole, sort nothing
// when noSort, and use every index in want.
func explainWithoutSeqScans(t *testing.T, db *gorm.DB, st statement, noSort bool, want ...string) {
	t.Helper()
	sql := st.sql
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, set := range st.sets { // what the app set for its transaction
			if err := tx.Exec(set).Error; err != nil {
				return err
			}
		}
		set := `SET LOCAL enable_seqscan = off`
		if noSort {
			set += `; SET LOCAL enable_sort = off`
		}
		if err := tx.Exec(set).Error; err != nil {
			return err
		}
		var out string
		if err := tx.Raw(`EXPLAIN (FORMAT JSON) ` + sql).Row().Scan(&out); err != nil {
			return fmt.Errorf("%w\n%s", err, sql)
		}
		var plans []struct{ Plan planNode }
		if err := json.Unmarshal([]byte(out), &plans); err != nil {
			return err
		}
		used := map[string]bool{}
		plans[0].Plan.walk(func(n planNode) {
			used[n.IndexName] = true
			if n.NodeType == "Seq Scan" && bigTables[n.Relation] {
				t.Errorf("reads all of %s:\n%s", n.Relation, sql)
			}
			if noSort && (n.NodeType == "Sort" || n.NodeType == "Incremental Sort") {
				t.Errorf("sorts instead of reading an index in order:\n%s", sql)
			}
		})
		for _, ix := range want {
			if !used[ix] {
				t.Errorf("does not use %s:\n%s\n%s", ix, sql, out)
			}
		}
		return tx.Rollback().Error
	})
	if err != nil && !strings.Contains(err.Error(), "transaction has already been committed or rolled back") {
		t.Fatal(err)
	}
}

// statement is a recorded statement with the SET LOCALs its transaction
// ran before it.
type statement struct {
	sql  string
	sets []string
}

// statementsOf are the recorded statements that read or write tables.
func statementsOf(sqls []string) []statement {
	var out []statement
	var sets []string
	for _, s := range sqls {
		head := strings.ToUpper(strings.TrimSpace(s))
		switch {
		case strings.HasPrefix(head, "SET LOCAL"):
			sets = append(sets, s)
		case strings.HasPrefix(head, "SELECT PG_ADVISORY"):
		case strings.HasPrefix(head, "SELECT"), strings.HasPrefix(head, "WITH"), strings.HasPrefix(head, "INSERT"),
			strings.HasPrefix(head, "UPDATE"), strings.HasPrefix(head, "DELETE"):
			out = append(out, statement{s, sets})
		}
	}
	return out
}

// The hot statements (each list tab with and without filters and cursor,
// similar ideas both ways, search, vote and unvote) keep to their indexes:
// this fails when an index they need is dropped or a change makes a
// statement unable to use it, long before a large community notices.
func TestHotQueriesUseTheirIndexes(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann, bob := newUser(t, base, "Ann"), newUser(t, base, "Bob")
	manyIdeas(t, base, ann, 30)
	idea := newIdea(t, base, ann, "Dark mode for the reporting dashboard")
	rec.take()

	lists := map[string]string{"trending": "idea_ranks_trending_idx", "top": "idea_ranks_top_idx", "new": "idea_ranks_new_idx", "discussed": "idea_ranks_discussed_idx"}
	for sort, ix := range lists {
		first, err := models.ListIdeas(ctx, db, bob, models.ListQuery{Sort: sort, Page: models.NewPage(1, 5)})
		if err != nil {
			t.Fatal(err)
		}
		sqls := statementsOf(rec.take())
		if len(sqls) < 2 {
			t.Fatalf("%s: recorded %d statements", sort, len(sqls))
		}
		explainWithoutSeqScans(t, base, sqls[0], true, ix) // the page
		for _, s := range sqls[1:] {                       // the capped count, the viewer's marks
			explainWithoutSeqScans(t, base, s, false)
		}
		if _, err := models.ListIdeas(ctx, db, nil, models.ListQuery{Sort: sort, Page: models.NewPage(2, 5), After: first.Next}); err != nil {
			t.Fatal(err)
		}
		sqls = statementsOf(rec.take())
		explainWithoutSeqScans(t, base, sqls[0], true, ix) // the cursor page
	}
	for _, q := range []models.ListQuery{
		{Sort: "top", Category: "general"}, {Sort: "top", Status: "open"}, {Sort: "new", Tag: "api"},
	} {
		q.Page = models.NewPage(1, 5)
		if _, err := models.ListIdeas(ctx, db, nil, q); err != nil {
			t.Fatal(err)
		}
		for _, s := range statementsOf(rec.take()) {
			explainWithoutSeqScans(t, base, s, false)
		}
	}

	// The roadmap's columns by votes, then Shipped, without a sort.
	if _, err := models.Roadmap(ctx, db, nil, ""); err != nil {
		t.Fatal(err)
	}
	roadmap := statementsOf(rec.take())
	for _, s := range roadmap[:3] {
		explainWithoutSeqScans(t, base, s, true, "idea_ranks_status_idx")
	}
	explainWithoutSeqScans(t, base, roadmap[3], true, "ideas_shipped_idx")

	if _, err := models.Similar(ctx, db, bob, "Dark mdoe for the", 5); err != nil {
		t.Fatal(err)
	}
	// The word list (a word, a typo fixed, the last word completed), then
	// the ranking of the title prefix and the rare words' ideas.
	sqls := statementsOf(rec.take())
	if len(sqls) != 2 {
		t.Fatalf("similar ran %d statements, want the word list and the ranking", len(sqls))
	}
	explainWithoutSeqScans(t, base, sqls[0], false, "title_word_counts_pkey", "title_word_counts_trgm_idx")
	explainWithoutSeqScans(t, base, sqls[1], false, "ideas_title_prefix_idx", "ideas_title_words_idx")
	if _, err := models.SimilarTitles(ctx, db, nil, idea.Title, 6); err != nil {
		t.Fatal(err)
	}
	for _, s := range statementsOf(rec.take()) {
		explainWithoutSeqScans(t, base, s, false, "ideas_title_trgm_idx", "ideas_title_words_idx")
	}
	if _, err := models.Search(ctx, db, bob, "dashboard", models.NewPage(1, 10)); err != nil {
		t.Fatal(err)
	}
	for _, s := range statementsOf(rec.take()) {
		explainWithoutSeqScans(t, base, s, false, "ideas_search_idx", "comments_search_idx")
	}

	if _, err := models.Vote(ctx, db, bob, idea.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.Unvote(ctx, db, bob, idea.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range statementsOf(rec.take()) {
		explainWithoutSeqScans(t, base, s, false)
	}
}
