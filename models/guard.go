package models

import (
	"regexp"
	"time"

	"gorm.io/gorm"
)

// Kinds of content checkPost guards.
const (
	PostIdea    = "idea"
	PostComment = "comment"
)

// Moderation states of ideas and comments.
const (
	ModVisible = "visible"
	ModPending = "pending"
	ModHidden  = "hidden"
	ModSpam    = "spam"
)

// checkPost enforces bans, per-member rate limits and content rules before a
// member posts, and returns the moderation state the new post starts in
// ("visible", or "pending" when first posts need approval).
//
// body is what the member wrote: for an idea its title and description
// joined by a newline, exactly as CreateIdea stores them, so the duplicate
// check compares like with like. Staff are exempt from everything but bans.
func checkPost(tx *gorm.DB, user *User, kind, body string) (string, error) {
	if err := checkBan(tx, user); err != nil {
		return "", err
	}
	if user.IsStaff() { // staff act for the company, sometimes in bulk
		return ModVisible, nil
	}
	// One post at a time per member (until commit): a double-submitted form
	// then sees its twin and is refused as a duplicate, and two tabs cannot
	// both take the last slot of a limit.
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, "post:"+itoa(user.ID)).Error; err != nil {
		return "", err
	}
	s, err := loadSettings(tx)
	if err != nil {
		return "", err
	}
	if err := checkDuplicate(tx, user, kind, body, s); err != nil {
		return "", err
	}
	if kind == PostIdea {
		err = checkIdeaRate(tx, user, s)
	} else {
		err = checkCommentInterval(tx, user, s)
	}
	if err != nil {
		return "", err
	}
	if err := checkLinks(tx, user, body, s); err != nil {
		return "", err
	}
	if s.FirstPostApproval {
		var approved bool
		// Any earlier visible post (even one deleted since) means a moderator
		// or the open community already accepted this member.
		err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM ideas WHERE author_id = @u AND moderation = 'visible')
			OR EXISTS (SELECT 1 FROM comments WHERE author_id = @u AND moderation = 'visible')`,
			map[string]any{"u": user.ID}).Scan(&approved).Error
		if err != nil {
			return "", err
		}
		if !approved {
			return ModPending, nil
		}
	}
	return ModVisible, nil
}

// checkDuplicate refuses the same text from the same member twice within
// duplicate_window_minutes (usually a double submit or a spam run). Deleted
// posts do not count: nobody sees them.
func checkDuplicate(tx *gorm.DB, user *User, kind, body string, s *SiteSettings) error {
	if s.DuplicateWindowMinutes <= 0 {
		return nil
	}
	win := interval(time.Duration(s.DuplicateWindowMinutes) * time.Minute)
	q := `SELECT extract(epoch FROM max(created_at) + ?::interval - now())::float8 FROM comments
		WHERE author_id = ? AND deleted_at IS NULL AND created_at > now() - ?::interval AND body = ?`
	if kind == PostIdea {
		q = `SELECT extract(epoch FROM max(created_at) + ?::interval - now())::float8 FROM ideas
		WHERE author_id = ? AND deleted_at IS NULL AND created_at > now() - ?::interval AND title || E'\n' || body = ?`
	}
	var wait *float64
	if err := tx.Raw(q, win, user.ID, win, body).Scan(&wait).Error; err != nil {
		return err
	}
	if wait == nil {
		return nil
	}
	what := "comment"
	if kind == PostIdea {
		what = "idea"
	}
	return &RateLimitError{
		Message:    "You just posted this " + what + ". To change it, edit the one you posted instead of posting it again.",
		RetryAfter: waitFor(wait),
	}
}

// checkIdeaRate allows ideas_per_hour ideas in any hour, counted from the
// member's own ideas (deleting one does not give the slot back).
func checkIdeaRate(tx *gorm.DB, user *User, s *SiteSettings) error {
	var r struct {
		N    int
		Wait *float64
	}
	err := tx.Raw(`SELECT count(*) AS n, extract(epoch FROM min(created_at) + interval '1 hour' - now())::float8 AS wait
		FROM (SELECT created_at FROM ideas WHERE author_id = ? AND created_at > now() - interval '1 hour'
			ORDER BY created_at DESC LIMIT ?) recent`, user.ID, s.IdeasPerHour).Scan(&r).Error
	if err != nil || r.N < s.IdeasPerHour {
		return err
	}
	wait := waitFor(r.Wait)
	return &RateLimitError{
		Message:    "You've posted " + pluralize(s.IdeasPerHour, "idea") + " in the last hour, which is the limit. You can post again in " + waitText(wait) + ".",
		RetryAfter: wait,
	}
}

// checkCommentInterval makes a member wait comment_interval_seconds after
// their last comment.
func checkCommentInterval(tx *gorm.DB, user *User, s *SiteSettings) error {
	if s.CommentIntervalSeconds <= 0 {
		return nil
	}
	win := interval(time.Duration(s.CommentIntervalSeconds) * time.Second)
	var wait *float64
	err := tx.Raw(`SELECT extract(epoch FROM max(created_at) + ?::interval - now())::float8 FROM comments
		WHERE author_id = ? AND created_at > now() - ?::interval`, win, user.ID, win).Scan(&wait).Error
	if err != nil || wait == nil {
		return err
	}
	d := waitFor(wait)
	return &RateLimitError{
		Message:    "Please wait " + waitText(d) + " before commenting again.",
		RetryAfter: d,
	}
}

// checkLinks limits links in posts by new members (fewer than
// new_member_posts visible posts), a cheap brake on link spam.
func checkLinks(tx *gorm.DB, user *User, body string, s *SiteSettings) error {
	n := countLinks(body)
	if n <= s.NewMemberMaxLinks || s.NewMemberPosts == 0 {
		return nil
	}
	var posts int
	err := tx.Raw(`SELECT (SELECT count(*) FROM ideas WHERE author_id = @u AND moderation = 'visible' AND deleted_at IS NULL)
		+ (SELECT count(*) FROM comments WHERE author_id = @u AND moderation = 'visible' AND deleted_at IS NULL)`,
		map[string]any{"u": user.ID}).Scan(&posts).Error
	if err != nil || posts >= s.NewMemberPosts {
		return err
	}
	msg := "New members can include at most " + pluralize(s.NewMemberMaxLinks, "link") + " in a post; this one has " + itoa(int64(n)) + ". "
	if s.NewMemberMaxLinks == 0 {
		msg = "New members can't include links in a post yet. "
	}
	return &ValidationError{Fields: map[string]string{"body": msg + "Please remove some; the limit lifts after a few posts."}}
}

var (
	rawURLRe   = regexp.MustCompile(`(?i)https?://`)
	htmlLinkRe = regexp.MustCompile(`<a\s`)
)

// countLinks counts links as readers see them (markdown links, autolinks and
// addresses the renderer turns into links, e.g. www.example.com) or the bare
// http(s):// addresses in the text, whichever is more: a URL in a code block
// is not clickable but still advertises.
func countLinks(body string) int {
	return max(len(rawURLRe.FindAllStringIndex(body, -1)), len(htmlLinkRe.FindAllStringIndex(md.render(body), -1)))
}
