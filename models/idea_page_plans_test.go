package models_test

import (
	"encoding/json"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// indexedNode is the part of an EXPLAIN node that says how a table is read.
type indexedNode struct {
	NodeType  string        `json:"Node Type"`
	Relation  string        `json:"Relation Name"`
	IndexCond string        `json:"Index Cond"`
	Plans     []indexedNode `json:"Plans"`
}

// The idea page's statements (the idea, its thread and the thread's
// authors, the timeline, the backlog panel) read every table that grows
// with the community through an index condition, planned as for a table of
// millions (sequential scans priced out): no whole table, and no whole
// index either, which is how the thread once hashed every user to name
// 200 authors.
func TestIdeaPageQueriesReadOnlyTheirRows(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	ann, bob := newUser(t, base, "Ann"), newUser(t, base, "Bob")
	manyIdeas(t, base, ann, 10)
	idea := newIdea(t, base, ann, "A page of its own")
	first := newComment(t, base, ann, idea.ID, "first")
	if _, err := models.CreateComment(ctx, base, bob, idea.ID, models.CommentInput{Body: "reply", ParentID: &first.ID}); err != nil {
		t.Fatal(err)
	}
	// A community's proportions (thousands of members, a long thread),
	// analysed, so the planner weighs what it would at scale.
	for _, q := range []string{
		`INSERT INTO users (name) SELECT 'Member ' || g FROM generate_series(1, 3000) g`,
		`INSERT INTO comments (idea_id, author_id, body, body_html)
			SELECT ?, u.id, 'more', '<p>more</p>' FROM users u WHERE u.name LIKE 'Member %' LIMIT 250`,
		`ANALYZE users`, `ANALYZE comments`,
	} {
		var args []any
		if strings.Contains(q, "?") {
			args = append(args, idea.ID)
		}
		if err := base.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	rec.take()
	for _, viewer := range []*models.User{nil, bob} {
		if _, err := models.IdeaByID(ctx, db, viewer, idea.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := firstThreadPage(t, db, viewer, idea.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := models.StatusHistory(ctx, db, idea.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := models.BacklogStateOf(ctx, db, idea.ID); err != nil {
			t.Fatal(err)
		}
	}
	grows := map[string]bool{"ideas": true, "comments": true, "users": true, "votes": true, "follows": true, "idea_status_changes": true}
	sqls := statementsOf(rec.take())
	if len(sqls) < 8 {
		t.Fatalf("recorded %d statements", len(sqls))
	}
	for _, st := range sqls {
		var out string
		err := base.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SET LOCAL enable_seqscan = off`).Error; err != nil {
				return err
			}
			return tx.Raw(`EXPLAIN (FORMAT JSON) ` + st.sql).Row().Scan(&out)
		})
		if err != nil {
			t.Fatalf("%v\n%s", err, st.sql)
		}
		var plans []struct{ Plan indexedNode }
		if err := json.Unmarshal([]byte(out), &plans); err != nil {
			t.Fatal(err)
		}
		var walk func(n indexedNode)
		walk = func(n indexedNode) {
			switch n.NodeType {
			case "Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Index Scan":
				// A Bitmap Heap Scan reads what its Bitmap Index Scan found.
				if grows[n.Relation] && n.IndexCond == "" {
					t.Errorf("%s reads all of %s:\n%s\n%s", n.NodeType, n.Relation, st.sql, out)
				}
			}
			for _, c := range n.Plans {
				walk(c)
			}
		}
		walk(plans[0].Plan)
	}
}
