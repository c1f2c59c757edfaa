package models_test

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// moderatedCommunity is 1,100 ideas and 600 comments of which moderators
// handle a few: CountCap+10 hidden ideas, 4 pending comments, 2 flagged
// ideas (one of them hidden) and a flagged comment. Timestamps tie a lot,
// so the order's tie-breaks count.
func moderatedCommunity(t *testing.T, db *gorm.DB) (mod *models.User) {
	t.Helper()
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	mod = newStaff(t, db, "Mo", models.RoleModerator)
	manyIdeas(t, db, ann, 1100)
	steps := []string{
		`INSERT INTO comments (idea_id, author_id, body, body_html, created_at)
			SELECT i.id, i.author_id, 'A comment', '<p>A comment</p>', i.created_at + n * interval '1 minute'
			FROM (SELECT * FROM ideas ORDER BY id LIMIT 200) i, generate_series(1, 3) n`,
		`UPDATE ideas SET moderation = 'hidden', moderation_reason = 'Off topic' WHERE id IN (SELECT id FROM ideas ORDER BY id DESC LIMIT 1010)`,
		`UPDATE comments SET moderation = 'pending' WHERE id IN (SELECT id FROM comments ORDER BY id LIMIT 4)`,
	}
	for _, s := range steps {
		if err := db.Exec(s).Error; err != nil {
			t.Fatal(err)
		}
	}
	var visible, hidden, comment int64
	db.Raw(`SELECT min(id) FROM ideas WHERE moderation = 'visible'`).Scan(&visible)
	db.Raw(`SELECT max(id) FROM ideas`).Scan(&hidden)
	db.Raw(`SELECT max(id) FROM comments`).Scan(&comment)
	// Flagged as members flag (a hidden idea, flagged before it was hidden).
	if err := db.Exec(`INSERT INTO flags (target_type, target_id, user_id, reason, created_at)
		VALUES ('idea', ?, ?, 'spam', '2026-01-01 03:00'), ('idea', ?, ?, 'spam', '2026-01-01 05:00'), ('comment', ?, ?, 'abusive', '2026-01-01 03:00')`,
		visible, bob.ID, hidden, bob.ID, comment, bob.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`ANALYZE ideas, comments, flags`).Error; err != nil {
		t.Fatal(err)
	}
	return mod
}

// The moderation queue reads the few items moderators handle, not every
// idea and comment: a page's statement reads at most the rows before it and
// its own from ideas and comments (it read all 1,100 ideas and 600
// comments per request, 11 s at a million), its total is capped at
// CountCap, and paging through it gives every item once in the queue's
// order — for every filter.
func TestModerationQueueReadsItsIndexes(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	mod := moderatedCommunity(t, base)
	want := map[string]int64{models.QueueAll: 7, models.QueueFlagged: 3, models.QueuePending: 4, models.QueueHidden: models.CountCap, models.QueueSpam: 0}
	const per = 5
	for _, filter := range models.QueueFilters {
		rec.take()
		q, err := models.ModerationQueue(ctx, db, mod, filter, models.NewPage(2, per))
		if err != nil {
			t.Fatal(err)
		}
		if q.Page.Total != want[filter] || q.Page.Capped != (filter == models.QueueHidden) {
			t.Errorf("%s: total %d (capped %v), want %d", filter, q.Page.Total, q.Page.Capped, want[filter])
		}
		sqls := statementsOf(rec.take())
		read := 0.0
		explainAnalyzed(t, base, sqls[0]).walk(func(n planNode) {
			if n.Relation == "ideas" || n.Relation == "comments" {
				read += n.ActualRows*max(n.ActualLoops, 1) + n.RemovedByFilter
			}
		})
		// The rows before the page and its own per branch (2 tables ×
		// flagged and not), and the page's rows looked up in full.
		if limit := float64(4*(per+per+1) + 2*per); read > limit {
			t.Errorf("%s: page 2 read %.0f rows of ideas and comments, want at most %.0f:\n%s", filter, read, limit, sqls[0].sql)
		}
		for _, s := range sqls {
			explainWithoutSeqScans(t, base, s, false)
		}

		// Page by page, each item once, oldest (first flag, else posting)
		// first, ideas before comments at the same instant, then by id.
		var all []models.QueueItem
		for n := 1; ; n++ {
			p, err := models.ModerationQueue(ctx, base, mod, filter, models.NewPage(n, 200))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, p.Items...)
			if !p.Page.HasNext() {
				break
			}
		}
		key := func(it models.QueueItem) time.Time {
			if it.FirstFlagAt != nil {
				return *it.FirstFlagAt
			}
			return it.CreatedAt
		}
		sorted := slices.IsSortedFunc(all, func(a, b models.QueueItem) int {
			if c := key(a).Compare(key(b)); c != 0 {
				return c
			}
			if c := strings.Compare(b.Type, a.Type); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		seen := map[string]bool{}
		for _, it := range all {
			seen[it.Ref()] = true
		}
		if !sorted || len(seen) != len(all) {
			t.Errorf("%s: paged out of order or twice: %d items, %d distinct", filter, len(all), len(seen))
		}
		if wantAll := map[string]int{models.QueueHidden: 1010}[filter]; wantAll != 0 && len(all) != wantAll || wantAll == 0 && len(all) != int(want[filter]) {
			t.Errorf("%s: paged through %d items", filter, len(all))
		}
	}
}
