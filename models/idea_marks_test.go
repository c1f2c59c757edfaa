package models_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// A page's vote and follow marks cost what the page costs, not what the
// member has voted on: under the generic plan a prepared statement gets
// after a few runs (one plan for every member, estimated for the average
// one), the statement still reads at most one index entry per idea on the
// page for a member with thousands of votes and follows. The statement
// that asked `idea_id IN (…)` read all of them; and VotedAmong and the
// list's marks agree with the rows.
func TestPageMarksReadOneEntryPerIdeaUnderTheGenericPlan(t *testing.T) {
	db := openDB(t)
	author, fan := newUser(t, db, "Author"), newUser(t, db, "Fan")
	manyIdeas(t, db, author, 3000)
	for _, table := range []string{"votes", "follows"} {
		if err := db.Exec(`INSERT INTO `+table+` (idea_id, user_id) SELECT id, ? FROM ideas WHERE id % 3 = 0`, fan.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	// Most members vote a little: the plan for "any member" expects few rows.
	for _, table := range []string{"votes", "follows"} {
		if err := db.Exec(`WITH voters AS (INSERT INTO users (name) SELECT 'Voter ' || g FROM generate_series(1, 500) g RETURNING id)
			INSERT INTO ` + table + ` (idea_id, user_id) SELECT i.id, v.id FROM voters v CROSS JOIN LATERAL
				(SELECT id FROM ideas ORDER BY id LIMIT 3 OFFSET v.id % 2000) i`).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Exec(`ANALYZE votes; ANALYZE follows`).Error; err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := db.Raw(`SELECT id FROM ideas ORDER BY id DESC LIMIT 20`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	page := strings.ReplaceAll(strings.Trim(fmt.Sprint(ids), "[]"), " ", ",")
	for _, table := range []string{"votes", "follows"} {
		sql := strings.Replace(strings.Replace(models.MarksSQL(table), "?", "$1", 1), "?", "$2", 1)
		var plan []struct{ Plan planNode }
		err := db.Connection(func(conn *gorm.DB) error {
			defer conn.Exec(`DEALLOCATE marks; RESET plan_cache_mode`)
			if err := conn.Exec(`PREPARE marks(text, bigint) AS ` + sql).Error; err != nil {
				return err
			}
			if err := conn.Exec(`SET plan_cache_mode = force_generic_plan`).Error; err != nil {
				return err
			}
			var out string
			if err := conn.Raw(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE marks('{` + page + `}', ` + fmt.Sprint(fan.ID) + `)`).Row().Scan(&out); err != nil {
				return err
			}
			return json.Unmarshal([]byte(out), &plan)
		})
		if err != nil || len(plan) != 1 {
			t.Fatalf("%s: explain: %v", table, err)
		}
		read := 0.0
		plan[0].Plan.walk(func(n planNode) {
			if n.Relation == table {
				read += (n.ActualRows + n.RemovedByFilter) * n.ActualLoops
			}
		})
		if read > float64(len(ids)) {
			t.Errorf("%s: the marks of a %d-idea page read %.0f index entries of the member's", table, len(ids), read)
		}
	}
	voted, err := models.VotedAmong(ctx, db, fan.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	list, err := models.ListIdeas(ctx, db, fan, models.ListQuery{Sort: "new", Page: models.NewPage(1, 20)})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if voted[id] != (id%3 == 0) {
			t.Errorf("VotedAmong: idea %d voted = %v", id, voted[id])
		}
	}
	for _, i := range list.Ideas {
		if i.Voted != (i.ID%3 == 0) || i.Following != (i.ID%3 == 0) {
			t.Errorf("list: idea %d voted %v following %v", i.ID, i.Voted, i.Following)
		}
	}
}
