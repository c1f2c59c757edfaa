package models_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

func newStaff(t *testing.T, db *gorm.DB, name, role string) *models.User {
	t.Helper()
	u := newUser(t, db, name)
	if err := db.Model(u).Update("role", role).Error; err != nil {
		t.Fatal(err)
	}
	u.Role = role
	return u
}

// snapshot is every row a merge touches, in a comparable form.
type snapshot struct {
	Votes    []string
	Follows  []string
	Comments []string
	Ideas    []string
	Links    []string
	Scores   map[int64]float64
}

func takeSnapshot(t *testing.T, db *gorm.DB) snapshot {
	t.Helper()
	var s snapshot
	db.Raw(`SELECT format('%s/%s/%s/%s/%s', idea_id, user_id, created_at, merged_from_id, cast_by_id) FROM votes ORDER BY 1`).Scan(&s.Votes)
	db.Raw(`SELECT format('%s/%s/%s/%s/%s/%s/%s/%s', idea_id, account_id, importance, note, opportunity_id, linked_by, merged_from_id, created_at)
		FROM idea_accounts ORDER BY 1`).Scan(&s.Links)
	db.Raw(`SELECT format('%s/%s/%s/%s', idea_id, user_id, created_at, merged_from_id) FROM follows ORDER BY 1`).Scan(&s.Follows)
	db.Raw(`SELECT format('%s/%s/%s/%s/%s', id, idea_id, parent_id, origin_idea_id, body) FROM comments ORDER BY id`).Scan(&s.Comments)
	db.Raw(`SELECT format('%s/%s/%s/%s/%s/%s/%s/%s', id, status, merged_into_id, vote_count, comment_count, follower_count, staff_status_at, moderation) FROM ideas ORDER BY id`).Scan(&s.Ideas)
	var scores []struct {
		ID    int64
		Score float64
	}
	db.Raw(`SELECT id, score FROM ideas`).Scan(&scores)
	s.Scores = map[int64]float64{}
	for _, r := range scores {
		s.Scores[r.ID] = r.Score
	}
	return s
}

func TestMergeMovesVotesOncePerMemberAndUnmergeRestoresExactly(t *testing.T) {
	db := openDB(t)
	mod := newStaff(t, db, "Mod", models.RoleModerator)
	ann, bob, x, y, z := newUser(t, db, "Ann"), newUser(t, db, "Bob"), newUser(t, db, "X"), newUser(t, db, "Y"), newUser(t, db, "Z")
	a := newIdea(t, db, ann, "Export to CSV please")
	b := newIdea(t, db, bob, "CSV export of reports")
	for _, u := range []*models.User{x, y} {
		models.Vote(ctx, db, u, a.ID)
	}
	for _, u := range []*models.User{y, z} {
		models.Vote(ctx, db, u, b.ID)
	}
	models.SetFollow(ctx, db, x, a.ID, true)
	models.SetFollow(ctx, db, z, b.ID, true)
	root, _ := models.CreateComment(ctx, db, x, a.ID, models.CommentInput{Body: "on A"})
	models.CreateComment(ctx, db, y, a.ID, models.CommentInput{Body: "reply on A", ParentID: &root.ID})
	if _, err := models.SetStatus(ctx, db, mod, a.ID, models.StatusInput{Status: "under_review", Note: "Looking"}); err != nil {
		t.Fatal(err)
	}
	// Customers: Acme (example.com, every member here) is linked to both
	// ideas, Beta only to A; a contact at Beta has proxy votes on both ideas
	// and Acme's X a proxy vote on A. Links and proxy votes move with the
	// merge (the duplicates dropped) and come back exactly.
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	acme, _, _ := upsertAccount(t, db, models.AccountInput{ExternalID: "acme", Name: "Acme", Domains: []string{"example.com"}, ARRCents: 50_000_00})
	beta, _, _ := upsertAccount(t, db, models.AccountInput{ExternalID: "beta", Name: "Beta", Domains: []string{"beta.test"}, ARRCents: 7_000_00})
	link := func(idea, account int64, importance string) {
		if _, _, err := models.LinkIdeaAccount(ctx, db, pm, idea, account, models.LinkInput{Importance: importance, Note: "asked"}); err != nil {
			t.Fatal(err)
		}
	}
	link(a.ID, acme, "critical")
	link(b.ID, acme, "nice_to_have")
	link(a.ID, beta, "important")
	for _, id := range []int64{a.ID, b.ID} {
		if _, err := models.CastProxyVote(ctx, db, pm, id, models.ProxyVoteInput{Email: "cleo@beta.test", Name: "Cleo"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := models.Unvote(ctx, db, x, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CastProxyVote(ctx, db, pm, a.ID, models.ProxyVoteInput{UserID: x.ID}); err != nil {
		t.Fatal(err)
	}
	fx := models.FX{Currency: "USD"}
	demandOf := func(id int64) models.Demand {
		d, err := models.IdeaDemand(ctx, db, fx, id)
		if err != nil {
			t.Fatal(err)
		}
		d.AccountRows = nil
		return *d
	}
	demandBefore := []models.Demand{demandOf(a.ID), demandOf(b.ID)}
	// Recompute once so scores before and after are computed the same way.
	db.Exec(`UPDATE ideas SET score = cw_trend_score(id)`)
	before := takeSnapshot(t, db)

	p, err := models.PreviewMerge(ctx, db, mod, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.VotesMoving != 2 || p.VotersInBoth != 2 || p.Comments != 2 || p.Followers != 2 {
		t.Errorf("preview: %+v", p)
	}
	target, err := models.Merge(ctx, db, mod, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	// b had bob, y, z; a brings ann and x; y counts once.
	if d := demandOf(b.ID); d.Accounts != 2 || d.LinkedAccounts != 2 || d.ARRAtStakeCents != 57_000_00 || d.Votes != 6 {
		t.Errorf("target demand after merge: %+v", d)
	}
	var links []string
	db.Raw(`SELECT format('%s/%s', account_id, importance) FROM idea_accounts WHERE idea_id = ? ORDER BY account_id`, b.ID).Scan(&links)
	if want := []string{fmt.Sprintf("%d/nice_to_have", acme), fmt.Sprintf("%d/important", beta)}; !reflect.DeepEqual(links, want) {
		t.Errorf("target links after merge %v, want %v (the target's own link kept)", links, want)
	}
	// b had bob, y, z, cleo; a brings ann and x; y and cleo count once.
	if target.ID != b.ID || target.VoteCount != 6 || target.CommentCount != 2 || target.FollowerCount != 4 {
		t.Errorf("target after merge: votes %d comments %d followers %d", target.VoteCount, target.CommentCount, target.FollowerCount)
	}
	src, _ := models.IdeaByID(ctx, db, mod, a.ID)
	if src.Status != "merged" || src.MergedIntoID == nil || *src.MergedIntoID != b.ID || src.VoteCount != 0 {
		t.Errorf("source after merge: %+v", src)
	}
	thread, _ := firstThreadPage(t, db, nil, b.ID)
	if len(thread) != 1 || thread[0].OriginTitle == nil || *thread[0].OriginTitle != a.Title || len(thread[0].Replies) != 1 {
		t.Errorf("moved thread: %+v", thread)
	}
	checkInvariants(t, db)
	var audits int64
	db.Table("audit_log").Where("action = 'idea.merge' AND target_id = ?", a.ID).Count(&audits)
	if audits != 1 {
		t.Error("merge not audited")
	}

	// A vote cast on the target after the merge stays there on unmerge.
	late := newUser(t, db, "Late")
	models.Vote(ctx, db, late, b.ID)

	restored, err := models.Unmerge(ctx, db, mod, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Status != "under_review" || restored.MergedIntoID != nil {
		t.Errorf("restored: %+v", restored)
	}
	models.Unvote(ctx, db, late, b.ID)
	db.Exec(`UPDATE ideas SET score = cw_trend_score(id)`)
	after := takeSnapshot(t, db)
	if after := []models.Demand{demandOf(a.ID), demandOf(b.ID)}; !reflect.DeepEqual(after, demandBefore) {
		t.Errorf("demand after merge + unmerge:\n%+v\nwant\n%+v", after, demandBefore)
	}
	for _, f := range []string{"Votes", "Follows", "Comments", "Ideas", "Links"} {
		bv, av := reflect.ValueOf(before).FieldByName(f).Interface(), reflect.ValueOf(after).FieldByName(f).Interface()
		if !reflect.DeepEqual(bv, av) {
			t.Errorf("%s differ after merge + unmerge:\nbefore %v\nafter  %v", f, bv, av)
		}
	}
	for id, s := range before.Scores {
		if math.Abs(after.Scores[id]-s) > 1e-9 {
			t.Errorf("idea %d score %v → %v", id, s, after.Scores[id])
		}
	}
	checkInvariants(t, db)
	if _, err := models.Unmerge(ctx, db, mod, a.ID); !errors.Is(err, models.ErrConflict) {
		t.Errorf("second unmerge: %v", err)
	}
}

func TestMergeChainsAndCycles(t *testing.T) {
	db := openDB(t)
	mod := newStaff(t, db, "Mod", models.RoleModerator)
	ann := newUser(t, db, "Ann")
	a, b, c := newIdea(t, db, ann, "Idea number one"), newIdea(t, db, ann, "Idea number two"), newIdea(t, db, ann, "Idea number three")
	if _, err := models.Merge(ctx, db, mod, a.ID, a.ID); !errors.Is(err, models.ErrConflict) {
		t.Errorf("self merge: %v", err)
	}
	if _, err := models.Merge(ctx, db, ann, a.ID, b.ID); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("member merge: %v", err)
	}
	if _, err := models.Merge(ctx, db, mod, a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	// Merging into a merged idea resolves to the end of its chain.
	got, err := models.Merge(ctx, db, mod, c.ID, a.ID)
	if err != nil || got.ID != b.ID {
		t.Fatalf("merge into merged idea → %v %v, want %d", got, err, b.ID)
	}
	// b into a (or c) would be a cycle.
	for _, into := range []int64{a.ID, c.ID} {
		if _, err := models.Merge(ctx, db, mod, b.ID, into); !errors.Is(err, models.ErrConflict) {
			t.Errorf("cycle via %d: %v", into, err)
		}
	}
	if _, err := models.Merge(ctx, db, mod, a.ID, c.ID); !errors.Is(err, models.ErrConflict) {
		t.Errorf("re-merging a merged source: %v", err)
	}
	if _, err := models.Merge(ctx, db, mod, a.ID, 999999); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("merge into missing: %v", err)
	}
	checkInvariants(t, db)
}

// Merging while members vote on both ideas keeps every counter equal to its
// rows and never leaves a vote on a merged idea.
func TestMergeUnderConcurrentVoting(t *testing.T) {
	db := openDB(t)
	mod := newStaff(t, db, "Mod", models.RoleModerator)
	ann := newUser(t, db, "Ann")
	a, b := newIdea(t, db, ann, "Concurrent source idea"), newIdea(t, db, ann, "Concurrent target idea")
	users := make([]*models.User, 30)
	for i := range users {
		users[i] = newUser(t, db, fmt.Sprintf("Racer %d", i))
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	progress := make(chan struct{}, 1000)
	errs := make(chan error, len(users)+1)
	for n, u := range users {
		wg.Add(1)
		go func(u *models.User, seed int64) {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			for {
				select {
				case <-stop:
					return
				default:
				}
				id := a.ID
				if r.Intn(2) == 0 {
					id = b.ID
				}
				var err error
				if r.Intn(3) == 0 {
					_, err = models.Unvote(ctx, db, u, id)
				} else {
					_, err = models.Vote(ctx, db, u, id)
				}
				if err != nil && !errors.Is(err, models.ErrConflict) {
					errs <- err
					return
				}
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		}(u, int64(n))
	}
	// A product manager votes on behalf of the same members and links an
	// account to either idea meanwhile: proxy votes and links take the
	// same locks, so the counters hold and nothing lands on a merged idea.
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	acme, _, err := upsertAccount(t, db, models.AccountInput{ExternalID: "acme", Name: "Acme", Domains: []string{"example.com"}, ARRCents: 1_000_00})
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewSource(99))
		for {
			select {
			case <-stop:
				return
			default:
			}
			id := a.ID
			if r.Intn(2) == 0 {
				id = b.ID
			}
			u := users[r.Intn(len(users))]
			var err error
			switch r.Intn(4) {
			case 0:
				_, err = models.RemoveProxyVote(ctx, db, pm, id, u.ID)
			case 1:
				_, _, err = models.LinkIdeaAccount(ctx, db, pm, id, acme, models.LinkInput{Importance: "critical"})
			case 2:
				err = models.UnlinkIdeaAccount(ctx, db, pm, id, acme)
			default:
				_, err = models.CastProxyVote(ctx, db, pm, id, models.ProxyVoteInput{UserID: u.ID})
			}
			if err != nil && !errors.Is(err, models.ErrConflict) && !errors.Is(err, models.ErrNotFound) {
				errs <- err
				return
			}
			select {
			case progress <- struct{}{}:
			default:
			}
		}
	}()
	var mergeErr error
	for round := 0; round < 6 && mergeErr == nil; round++ {
		// Let some votes land between merges (counted, not timed).
		for i := 0; i < 25; i++ {
			<-progress
		}
		if _, mergeErr = models.Merge(ctx, db, mod, a.ID, b.ID); mergeErr != nil {
			break
		}
		if round < 5 {
			_, mergeErr = models.Unmerge(ctx, db, mod, a.ID)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	if mergeErr != nil {
		t.Fatal(mergeErr)
	}
	for err := range errs {
		t.Fatal(err)
	}
	checkInvariants(t, db)
	var onMerged int64
	db.Raw(`SELECT count(*) FROM idea_accounts l JOIN ideas i ON i.id = l.idea_id WHERE i.merged_into_id IS NOT NULL`).Scan(&onMerged)
	if onMerged != 0 {
		t.Errorf("%d account links sit on a merged idea", onMerged)
	}
}

func TestStatusTimelineRoadmapAndChangelog(t *testing.T) {
	db := openDB(t)
	pm := newStaff(t, db, "Pam", models.RoleProductManager)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	idea := newIdea(t, db, ann, "Single sign-on with SAML")
	other := newIdea(t, db, ann, "Calendar integration")
	if _, err := models.SetStatus(ctx, db, bob, idea.ID, models.StatusInput{Status: "planned"}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("member status change: %v", err)
	}
	for _, bad := range []models.StatusInput{{Status: "merged"}, {Status: "done"}, {Status: "planned", ReleaseNote: "x"}, {Status: "planned", Note: "\x00"}} {
		var ve *models.ValidationError
		if _, err := models.SetStatus(ctx, db, pm, idea.ID, bad); !errors.As(err, &ve) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	models.SetStatus(ctx, db, pm, idea.ID, models.StatusInput{Status: "planned", Note: "Next quarter"})
	models.SetStatus(ctx, db, pm, other.ID, models.StatusInput{Status: "in_progress"})
	cols, err := models.Roadmap(ctx, db, nil, "")
	if err != nil || len(cols[1].Ideas) != 1 || cols[1].Ideas[0].ID != idea.ID || len(cols[2].Ideas) != 1 || len(cols[3].Ideas) != 0 {
		t.Fatalf("roadmap: %+v %v", cols, err)
	}
	if _, err := models.SetStatus(ctx, db, pm, idea.ID, models.StatusInput{Status: "shipped", Note: "Done!", ReleaseNote: "SAML SSO for **all** plans"}); err != nil {
		t.Fatal(err)
	}
	hist, _ := models.StatusHistory(ctx, db, idea.ID)
	if len(hist) != 2 || hist[0].ToStatus != "planned" || hist[1].FromStatus != "planned" || hist[1].ActorName != "Pam" {
		t.Errorf("history: %+v", hist)
	}
	log, err := models.Changelog(ctx, db, nil, models.NewPage(1, 10), "")
	if err != nil || log.Page.Total != 1 || len(log.Entries) != 1 || log.Entries[0].ReleaseHTML != "<p>SAML SSO for <strong>all</strong> plans</p>\n" {
		t.Errorf("changelog: %+v %v", log, err)
	}
	if _, err := models.Vote(ctx, db, bob, idea.ID); !errors.Is(err, models.ErrConflict) {
		t.Errorf("vote on shipped: %v", err)
	}
	if _, err := models.UpdateIdea(ctx, db, ann, idea.ID, models.IdeaInput{Title: "Changed after staff"}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("author edit after staff status: %v", err)
	}
	var n int64
	db.Table("audit_log").Where("action = 'idea.status'").Count(&n)
	if n != 3 {
		t.Errorf("%d status audits, want 3", n)
	}
}
