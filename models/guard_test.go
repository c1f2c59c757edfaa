package models_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/models/testdb"
)

// limitsDB is a fresh database with the default limits, except the ones a
// test sets.
func limitsDB(t *testing.T, set string) *gorm.DB {
	t.Helper()
	db := testdb.Open(t)
	if set != "" {
		if err := db.Exec(`UPDATE site_settings SET ` + set).Error; err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func wantRateLimit(t *testing.T, what string, err error, min, max time.Duration) *models.RateLimitError {
	t.Helper()
	var rl *models.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("%s: %v, want a RateLimitError", what, err)
	}
	if rl.RetryAfter < min || rl.RetryAfter > max || rl.Message == "" {
		t.Errorf("%s: RetryAfter %v (want %v–%v), message %q", what, rl.RetryAfter, min, max, rl.Message)
	}
	return rl
}

func TestBanBlocksWritesAndExpires(t *testing.T) {
	db := openDB(t)
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	idea := newIdea(t, db, ann, "Something to vote on")
	if _, err := models.CreateSession(ctx, db, bob.ID, "test", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}

	if _, err := models.BanUser(ctx, db, ann, bob.ID, models.BanInput{Reason: "x"}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("ban by a member: %v", err)
	}
	for _, in := range []models.BanInput{
		{Reason: ""}, {Reason: strings.Repeat("r", 501)}, {Reason: "late", Until: ptr(time.Now().Add(-time.Minute))},
	} {
		var ve *models.ValidationError
		if _, err := models.BanUser(ctx, db, mod, bob.ID, in); !errors.As(err, &ve) {
			t.Errorf("ban %+v: %v, want a validation error", in, err)
		}
	}
	if _, err := models.BanUser(ctx, db, mod, 999999, models.BanInput{Reason: "x"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("ban of a missing user: %v", err)
	}
	if _, err := models.BanUser(ctx, db, mod, mod.ID, models.BanInput{Reason: "x"}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("ban of staff: %v", err)
	}

	until := time.Now().Add(48 * time.Hour)
	b, err := models.BanUser(ctx, db, mod, bob.ID, models.BanInput{Until: &until, Reason: "Repeated spam"})
	if err != nil || b.Until == nil || b.Reason != "Repeated spam" {
		t.Fatalf("ban: %+v %v", b, err)
	}
	var sessions int64
	db.Table("sessions").Where("user_id = ?", bob.ID).Count(&sessions)
	if sessions != 0 {
		t.Errorf("%d sessions survive the ban", sessions)
	}
	banned := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, models.ErrForbidden) || !strings.Contains(err.Error(), "banned until") || !strings.Contains(err.Error(), "Repeated spam") {
			t.Errorf("%s while banned: %v", what, err)
		}
	}
	_, err = models.CreateIdea(ctx, db, bob, models.IdeaInput{Title: "Banned but posting"})
	banned("post", err)
	_, err = models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: "banned but commenting"})
	banned("comment", err)
	_, err = models.Vote(ctx, db, bob, idea.ID)
	banned("vote", err)
	_, err = models.FlagContent(ctx, db, bob, "idea", idea.ID, models.FlagInput{Reason: "spam"})
	banned("flag", err)
	// Reading still works.
	if _, err := models.IdeaByID(ctx, db, bob, idea.ID); err != nil {
		t.Errorf("read while banned: %v", err)
	}
	if _, err := firstThreadPage(t, db, bob, idea.ID); err != nil {
		t.Errorf("thread while banned: %v", err)
	}

	// An expired ban no longer applies.
	db.Exec(`UPDATE bans SET until = now() - interval '1 second' WHERE user_id = ?`, bob.ID)
	if _, err := models.Vote(ctx, db, bob, idea.ID); err != nil {
		t.Errorf("vote after the ban expired: %v", err)
	}
	if b, _ := models.ActiveBan(ctx, db, bob.ID); b != nil {
		t.Errorf("expired ban still active: %+v", b)
	}

	// Permanent, then lifted.
	if _, err := models.BanUser(ctx, db, mod, bob.ID, models.BanInput{Reason: "Enough"}); err != nil {
		t.Fatal(err)
	}
	_, err = models.CreateIdea(ctx, db, bob, models.IdeaInput{Title: "Permanently banned post"})
	if !errors.Is(err, models.ErrForbidden) || !strings.Contains(err.Error(), "permanently") {
		t.Errorf("post while permanently banned: %v", err)
	}
	if err := models.UnbanUser(ctx, db, ann, bob.ID); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("unban by a member: %v", err)
	}
	if err := models.UnbanUser(ctx, db, mod, bob.ID); err != nil {
		t.Fatal(err)
	}
	if err := models.UnbanUser(ctx, db, mod, bob.ID); err != nil {
		t.Errorf("second unban: %v", err)
	}
	if err := models.UnbanUser(ctx, db, mod, 999999); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unban of a missing user: %v", err)
	}
	if _, err := models.CreateIdea(ctx, db, bob, models.IdeaInput{Title: "Free to post again"}); err != nil {
		t.Errorf("post after unban: %v", err)
	}
	if got := auditActions(t, db, mod.ID); strings.Join(got, ",") != "user.ban,user.ban,user.unban" {
		t.Errorf("audit = %v", got)
	}
}

func TestIdeasPerHourLimit(t *testing.T) {
	db := limitsDB(t, "ideas_per_hour = 2")
	ann := newUser(t, db, "Ann")
	newIdea(t, db, ann, "First idea this hour")
	newIdea(t, db, ann, "Second idea this hour")
	_, err := models.CreateIdea(ctx, db, ann, models.IdeaInput{Title: "Third idea this hour", Body: "kept text"})
	wantRateLimit(t, "third idea", err, 59*time.Minute, time.Hour)
	var n int64
	db.Table("ideas").Count(&n)
	if n != 2 {
		t.Errorf("%d ideas saved", n)
	}
	// The window slides: once the oldest is an hour old, one more fits.
	db.Exec(`UPDATE ideas SET created_at = now() - interval '61 minutes' WHERE title = 'First idea this hour'`)
	newIdea(t, db, ann, "Third idea, an hour later")
	// Staff are exempt, and other members have their own allowance.
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	for i := 0; i < 4; i++ {
		newIdea(t, db, mod, fmt.Sprintf("Staff announcement %d", i))
	}
	newIdea(t, db, newUser(t, db, "Bob"), "Bob has his own limit")
}

func TestCommentIntervalAndDuplicates(t *testing.T) {
	db := limitsDB(t, "comment_interval_seconds = 30, duplicate_window_minutes = 5")
	ann, bob := newUser(t, db, "Ann"), newUser(t, db, "Bob")
	idea := newIdea(t, db, ann, "Discuss this idea")
	newComment(t, db, bob, idea.ID, "first thought")
	_, err := models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: "second thought"})
	rl := wantRateLimit(t, "comment too soon", err, 29*time.Second, 30*time.Second)
	if !strings.Contains(rl.Message, "second") {
		t.Errorf("message %q does not say how long to wait", rl.Message)
	}
	// Same text again: refused as a duplicate even after the interval.
	db.Exec(`UPDATE comments SET created_at = now() - interval '40 seconds' WHERE author_id = ?`, bob.ID)
	_, err = models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: "  first thought \n"})
	rl = wantRateLimit(t, "duplicate comment", err, 4*time.Minute, 5*time.Minute)
	if !strings.Contains(rl.Message, "just posted") {
		t.Errorf("duplicate message: %q", rl.Message)
	}
	newComment(t, db, bob, idea.ID, "a different thought")
	// Outside the window the same text is fine.
	db.Exec(`UPDATE comments SET created_at = now() - interval '6 minutes' WHERE author_id = ?`, bob.ID)
	newComment(t, db, bob, idea.ID, "first thought")

	// Ideas: the same title and description twice.
	in := models.IdeaInput{Title: "Export to spreadsheet", Body: "Please"}
	if _, err := models.CreateIdea(ctx, db, bob, in); err != nil {
		t.Fatal(err)
	}
	_, err = models.CreateIdea(ctx, db, bob, in)
	wantRateLimit(t, "duplicate idea", err, 4*time.Minute, 5*time.Minute)
	in.Body = "Please, with formulas"
	if _, err := models.CreateIdea(ctx, db, bob, in); err != nil {
		t.Errorf("same title, new description: %v", err)
	}
}

// TestDoubleSubmitIsOneComment: the same comment sent twice at once (a
// double click) is saved once; the other gets the duplicate 429.
func TestDoubleSubmitIsOneComment(t *testing.T) {
	db := limitsDB(t, "comment_interval_seconds = 0")
	ann := newUser(t, db, "Ann")
	idea := newIdea(t, db, ann, "Double click test")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = models.CreateComment(ctx, db, ann, idea.ID, models.CommentInput{Body: "only once please"})
		}()
	}
	wg.Wait()
	var n int64
	db.Table("comments").Count(&n)
	if n != 1 || (errs[0] == nil) == (errs[1] == nil) {
		t.Errorf("%d comments saved; errors %v", n, errs)
	}
}

func TestVotesPerMinuteLimit(t *testing.T) {
	db := limitsDB(t, "votes_per_minute = 3")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	bob := newUser(t, db, "Bob")
	var ideas []*models.Idea
	for i := 0; i < 5; i++ {
		ideas = append(ideas, newIdea(t, db, mod, fmt.Sprintf("Votable idea number %d", i)))
	}
	for _, i := range ideas[:3] {
		if _, err := models.Vote(ctx, db, bob, i.ID); err != nil {
			t.Fatal(err)
		}
	}
	_, err := models.Vote(ctx, db, bob, ideas[3].ID)
	wantRateLimit(t, "fourth vote", err, 59*time.Second, time.Minute)
	// The window slides.
	ageRate(t, db, fmt.Sprintf("vote:%d", bob.ID), "61 seconds")
	if _, err := models.Vote(ctx, db, bob, ideas[3].ID); err != nil {
		t.Errorf("vote a minute later: %v", err)
	}
	// Staff vote freely.
	for _, i := range ideas {
		if _, err := models.Vote(ctx, db, asRole(t, db, newUser(t, db, "Pm"), models.RoleProductManager), i.ID); err != nil {
			t.Errorf("staff vote: %v", err)
		}
	}
	checkInvariants(t, db)
}

// TestUnvotesCountTowardVoteLimit: toggling a vote on and off is as much
// voting as voting, so unvotes count against votes_per_minute too.
func TestUnvotesCountTowardVoteLimit(t *testing.T) {
	db := limitsDB(t, "votes_per_minute = 3")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	bob := newUser(t, db, "Bob")
	idea := newIdea(t, db, mod, "Toggle me on and off")
	if _, err := models.Vote(ctx, db, bob, idea.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.Unvote(ctx, db, bob, idea.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := models.Vote(ctx, db, bob, idea.ID); err != nil {
		t.Fatal(err)
	}
	_, err := models.Unvote(ctx, db, bob, idea.ID)
	wantRateLimit(t, "fourth vote request (an unvote)", err, 59*time.Second, time.Minute)
	var voted int64
	db.Table("votes").Where("idea_id = ? AND user_id = ?", idea.ID, bob.ID).Count(&voted)
	if voted != 1 {
		t.Error("the refused unvote removed the vote")
	}
	// Staff toggle freely.
	for i := 0; i < 5; i++ {
		if _, err := models.Unvote(ctx, db, mod, idea.ID); err != nil {
			t.Fatalf("staff unvote: %v", err)
		}
		if _, err := models.Vote(ctx, db, mod, idea.ID); err != nil {
			t.Fatalf("staff vote: %v", err)
		}
	}
	checkInvariants(t, db)
}

// TestDailyVoteCap: votes_per_day votes cast in any 24 hours, withdrawn
// ones included; repeating a vote already cast costs nothing.
func TestDailyVoteCap(t *testing.T) {
	db := limitsDB(t, "votes_per_day = 3, votes_per_minute = 1000")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	bob := newUser(t, db, "Bob")
	var ideas []*models.Idea
	for i := 0; i < 4; i++ {
		ideas = append(ideas, newIdea(t, db, mod, fmt.Sprintf("Daily capped idea %d", i)))
	}
	for _, i := range ideas[:3] {
		if _, err := models.Vote(ctx, db, bob, i.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := models.Vote(ctx, db, bob, ideas[0].ID); err != nil {
		t.Errorf("repeating a vote already cast: %v", err)
	}
	// Withdrawing a vote does not give the slot back.
	if _, err := models.Unvote(ctx, db, bob, ideas[2].ID); err != nil {
		t.Fatal(err)
	}
	// Counted votes stay counted for the whole day, not just the hour the
	// minute limits keep their rows.
	ageRate(t, db, fmt.Sprintf("votes-day:%d", bob.ID), "2 hours")
	for _, i := range []*models.Idea{ideas[2], ideas[3]} {
		_, err := models.Vote(ctx, db, bob, i.ID)
		rl := wantRateLimit(t, "fourth vote of the day", err, 21*time.Hour+59*time.Minute, 22*time.Hour)
		if !strings.Contains(rl.Message, "3 votes in the last 24 hours") {
			t.Errorf("message: %q", rl.Message)
		}
	}
	var n int64
	db.Table("votes").Where("user_id = ?", bob.ID).Count(&n)
	if n != 2 {
		t.Errorf("bob holds %d votes, want 2: a refused vote was kept", n)
	}
	// The window slides: a day later bob votes again.
	ageRate(t, db, fmt.Sprintf("votes-day:%d", bob.ID), "22 hours 1 minute")
	if _, err := models.Vote(ctx, db, bob, ideas[3].ID); err != nil {
		t.Errorf("vote a day later: %v", err)
	}
	// Staff are not capped.
	pm := asRole(t, db, newUser(t, db, "Pm"), models.RoleProductManager)
	for _, i := range ideas {
		if _, err := models.Vote(ctx, db, pm, i.ID); err != nil {
			t.Errorf("staff vote: %v", err)
		}
	}
	checkInvariants(t, db)
}

func TestNewMemberLinkLimit(t *testing.T) {
	db := limitsDB(t, "new_member_max_links = 2, new_member_posts = 3, comment_interval_seconds = 0")
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	idea := newIdea(t, db, mod, "Share your favourite tools")
	bob := newUser(t, db, "Bob")
	for _, body := range []string{
		"see https://a.example and http://b.example and https://c.example",
		"[one](https://a.example) [two](https://b.example) [three](/relative)",
		"www.a.example www.b.example www.c.example",
	} {
		_, err := models.CreateComment(ctx, db, bob, idea.ID, models.CommentInput{Body: body})
		var ve *models.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Fields["body"], "at most 2 links") {
			t.Errorf("%q: %v, want a body error", body, err)
		}
	}
	_, err := models.CreateIdea(ctx, db, bob, models.IdeaInput{Title: "Link heavy idea title", Body: "https://a.example https://b.example https://c.example"})
	var ve *models.ValidationError
	if !errors.As(err, &ve) || ve.Fields["body"] == "" {
		t.Errorf("idea with 3 links: %v", err)
	}
	newComment(t, db, bob, idea.ID, "two is fine: https://a.example https://b.example")
	newComment(t, db, bob, idea.ID, "no links at all")
	newComment(t, db, bob, idea.ID, "still none")
	// Three visible posts: no longer new.
	newComment(t, db, bob, idea.ID, "now https://a.example https://b.example https://c.example")
	// Staff are never limited.
	newComment(t, db, asRole(t, db, newUser(t, db, "Pm"), models.RoleProductManager), idea.ID, "https://a.example https://b.example https://c.example")
}

func TestPerIPActionLimit(t *testing.T) {
	db := limitsDB(t, "per_ip_actions_per_minute = 3")
	for i := 0; i < 3; i++ {
		if err := models.CheckIPAction(ctx, db, "203.0.113.9"); err != nil {
			t.Fatal(err)
		}
	}
	wantRateLimit(t, "fourth action", models.CheckIPAction(ctx, db, "203.0.113.9"), 59*time.Second, time.Minute)
	if err := models.CheckIPAction(ctx, db, "198.51.100.1"); err != nil {
		t.Errorf("another IP: %v", err)
	}
	// A key's old buckets go as soon as it is used again.
	ageRate(t, db, "ip:198.51.100.1", "2 hours")
	if err := models.CheckIPAction(ctx, db, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	var kept []int64
	db.Raw(`SELECT n FROM rate_keys, unnest(counts) n WHERE key = 'ip:198.51.100.1'`).Scan(&kept)
	if len(kept) != 1 || kept[0] != 1 {
		t.Errorf("counts %v kept for the address, want [1]: the old bucket stayed", kept)
	}
}

// TestRateKeysSweep: the periodic sweep deletes the rows of keys whose
// window passed more than an hour ago, and keeps the others.
func TestRateKeysSweep(t *testing.T) {
	db := limitsDB(t, "per_ip_actions_per_minute = 3")
	for _, ip := range []string{"203.0.113.1", "203.0.113.2"} {
		if err := models.CheckIPAction(ctx, db, ip); err != nil {
			t.Fatal(err)
		}
	}
	ageRate(t, db, "ip:203.0.113.1", "3 hours")
	if err := models.SweepRateKeys(ctx, db); err != nil {
		t.Fatal(err)
	}
	var keys []string
	db.Raw(`SELECT key FROM rate_keys WHERE key LIKE 'ip:203.0.113.%' ORDER BY key`).Scan(&keys)
	if len(keys) != 1 || keys[0] != "ip:203.0.113.2" {
		t.Errorf("keys after the sweep %v, want only ip:203.0.113.2", keys)
	}
}

// ageRate moves the events counted under key back by the interval by, as
// if they had happened that much earlier.
func ageRate(t *testing.T, db *gorm.DB, key, by string) {
	t.Helper()
	err := db.Exec(`UPDATE rate_keys SET buckets = (SELECT array_agg(b - ?::interval ORDER BY b) FROM unnest(buckets) b),
		sweep_at = sweep_at - ?::interval WHERE key = ?`, by, by, key).Error
	if err != nil {
		t.Fatal(err)
	}
}

func TestSettingsValidateAndAudit(t *testing.T) {
	db := testdb.Open(t)
	admin := asRole(t, db, newUser(t, db, "Ada"), models.RoleAdmin)
	mod := asRole(t, db, newUser(t, db, "Mod"), models.RoleModerator)
	s, err := models.Settings(ctx, db)
	if err != nil || s.FirstPostApproval || s.IdeasPerHour != 5 || s.CommentIntervalSeconds != 10 || s.VotesPerMinute != 30 ||
		s.DuplicateWindowMinutes != 5 || s.NewMemberMaxLinks != 2 || s.NewMemberPosts != 3 || s.PerIPActionsPerMinute != 60 ||
		s.SignupsPerIPPerHour != 3 || s.VotesPerDay != 500 {
		t.Fatalf("defaults: %+v %v", s, err)
	}
	in := s.Input()
	in.FirstPostApproval, in.IdeasPerHour = true, 9
	if _, err := models.UpdateSettings(ctx, db, mod, in); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("settings by a moderator: %v", err)
	}
	bad := in
	bad.IdeasPerHour, bad.PerIPActionsPerMinute, bad.CommentIntervalSeconds = 0, -1, 86401
	var ve *models.ValidationError
	if _, err := models.UpdateSettings(ctx, db, admin, bad); !errors.As(err, &ve) || len(ve.Fields) != 3 {
		t.Errorf("invalid settings: %v", err)
	}
	got, err := models.UpdateSettings(ctx, db, admin, in)
	if err != nil || !got.FirstPostApproval || got.IdeasPerHour != 9 {
		t.Fatalf("saved: %+v %v", got, err)
	}
	var entry models.AuditEntry
	db.Where("action = 'settings.update'").Take(&entry)
	if entry.ActorID == nil || *entry.ActorID != admin.ID || !strings.Contains(string(entry.Before), `"ideas_per_hour": 5`) ||
		!strings.Contains(string(entry.After), `"ideas_per_hour": 9`) {
		t.Errorf("audit entry: %+v %s %s", entry, entry.Before, entry.After)
	}
}
