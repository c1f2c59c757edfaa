package models

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"
)

// SeedDemo loads demo content; running it twice changes nothing. People and
// categories are upserted every time; the ideas, votes, comments and follows
// are loaded once, recognised by the first demo idea's title.
func SeedDemo(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := seedDemoUsers(tx); err != nil {
			return err
		}
		// An earlier seed left every position at 0; give those theirs,
		// but never move a category an admin has placed.
		for _, c := range demoCategories {
			err := tx.Exec(`INSERT INTO categories (slug, name, description, position) VALUES (?, ?, ?, ?)
				ON CONFLICT (slug) DO UPDATE SET position = excluded.position WHERE categories.position = 0`,
				c.Slug, c.Name, c.Description, c.Position).Error
			if err != nil {
				return err
			}
		}
		var loaded bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM ideas WHERE title = ?)`, demoIdeas[0].Title).
			Scan(&loaded).Error; err != nil {
			return err
		}
		return withoutLimits(tx, func() error {
			if !loaded {
				if err := seedDemoContent(ctx, tx); err != nil {
					return err
				}
			}
			return seedDemoCRM(ctx, tx) // seed_crm.go; once, like the content
		})
	})
}

// withoutLimits lifts the anti-abuse limits for fn inside tx and puts the
// saved settings back before tx commits: demo members post a month of
// content in a second, and nobody outside tx ever sees the lifted values.
func withoutLimits(tx *gorm.DB, fn func() error) error {
	if err := tx.Exec(`CREATE TEMP TABLE seed_saved_settings ON COMMIT DROP AS SELECT * FROM site_settings`).Error; err != nil {
		return err
	}
	if err := tx.Exec(`UPDATE site_settings SET first_post_approval = false, ideas_per_hour = 1000000,
		comment_interval_seconds = 0, votes_per_minute = 1000000, duplicate_window_minutes = 0,
		new_member_max_links = 1000000, votes_per_day = 1000000`).Error; err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	return tx.Exec(`UPDATE site_settings s SET first_post_approval = o.first_post_approval, ideas_per_hour = o.ideas_per_hour,
		comment_interval_seconds = o.comment_interval_seconds, votes_per_minute = o.votes_per_minute,
		duplicate_window_minutes = o.duplicate_window_minutes, new_member_max_links = o.new_member_max_links,
		votes_per_day = o.votes_per_day
		FROM seed_saved_settings o WHERE s.id = o.id`).Error
}

// seedDemoUsers creates the demo people, each with a dev identity.
func seedDemoUsers(tx *gorm.DB) error {
	for _, d := range demoUsers {
		err := tx.Exec(`INSERT INTO users (name, email, email_verified, role)
			SELECT ?, ?::text, true, ? WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(?))`,
			d.Name, d.Email, d.Role, d.Email).Error
		if err != nil {
			return err
		}
		// Demo people sign in through dev sign-in with their email.
		err = tx.Exec(`INSERT INTO identities (user_id, provider, provider_user_id, email)
			SELECT id, ?, lower(email), email FROM users WHERE lower(email) = lower(?)
			ON CONFLICT (provider, provider_user_id) DO NOTHING`, DevProvider, d.Email).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// seedDemoContent posts the demo ideas through the same functions members
// use, so every counter is right, then moves the activity into the past.
func seedDemoContent(ctx context.Context, tx *gorm.DB) error {
	people, err := demoPeople(tx)
	if err != nil {
		return err
	}
	var now time.Time
	if err := tx.Raw(`SELECT now()`).Scan(&now).Error; err != nil {
		return err
	}
	ids := make([]int64, len(demoIdeas))
	for i, d := range demoIdeas {
		idea, err := CreateIdea(ctx, tx, people[d.By], IdeaInput{Title: d.Title, Body: d.Body, Category: d.Category, Tags: d.Tags})
		if err != nil {
			return fmt.Errorf("demo idea %q: %w", d.Title, err)
		}
		ids[i] = idea.ID
	}
	for i, d := range demoIdeas {
		if err := seedDemoActivity(ctx, tx, people, i, ids[i], now.Add(-demoIdeaAge(i)), now); err != nil {
			return fmt.Errorf("demo idea %q: %w", d.Title, err)
		}
	}
	// The people joined before they started posting.
	for k, d := range demoUsers {
		joined := now.Add(-time.Duration(75-k) * 24 * time.Hour)
		if err := tx.Exec(`UPDATE users SET created_at = least(created_at, ?) WHERE lower(email) = lower(?)`,
			joined, d.Email).Error; err != nil {
			return err
		}
	}
	if err := tx.Exec(demoScoreSQL, map[string]any{"ids": ids}).Error; err != nil {
		return err
	}
	// The demo's activity is history: nobody is emailed about it, at once
	// or in a digest. Its notifications (all made in this transaction, so
	// stamped with its now()) stay in the app, counted as handled by mail.
	if err := tx.Exec(`UPDATE notifications SET emailed_at = now() WHERE created_at = ? AND emailed_at IS NULL`, now).Error; err != nil {
		return err
	}
	if err := tx.Exec(`UPDATE river_job SET state = 'completed', finalized_at = now()
		WHERE kind = ? AND state = 'available'
		AND args->>'notification_id' IN (SELECT id::text FROM notifications WHERE created_at = ?)`, jobEmail, now).Error; err != nil {
		return err
	}
	// Statuses come last: shipped and declined ideas take no more votes.
	for i, d := range demoIdeas {
		if d.Status == "" {
			continue
		}
		if d.Status == StatusMerged {
			return fmt.Errorf("demo idea %q: merged ideas need a target", d.Title)
		}
		// A week ago, by the product manager, with a timeline step, so the
		// roadmap and changelog have something to show.
		if err := tx.Exec(`UPDATE ideas SET status = @s, staff_status_at = now() - interval '7 days', updated_at = now(),
			shipped_at = CASE WHEN @s = 'shipped' THEN now() - interval '7 days' END WHERE id = @id`,
			map[string]any{"s": d.Status, "id": ids[i]}).Error; err != nil {
			return err
		}
		note, release := demoStatusNotes[d.Status], ""
		if d.Status == StatusShipped {
			release = "Available to every workspace. Thanks to everyone who voted and shared details!"
		}
		if err := tx.Exec(`INSERT INTO idea_status_changes (idea_id, from_status, to_status, note, note_html, release_note, release_html, actor_id, created_at)
			SELECT ?, 'open', ?, ?, ?, ?, ?, u.id, now() - interval '7 days' FROM users u WHERE lower(u.email) = 'pm@example.com'`,
			ids[i], d.Status, note, md.render(note), release, md.render(release)).Error; err != nil {
			return err
		}
	}
	return nil
}

// seedDemoActivity dates the idea at posted and adds its votes, comments and
// follows at moments between posted and now: votes come quickly at first and
// then trickle in, comments spread evenly, replies always after their parent.
func seedDemoActivity(ctx context.Context, tx *gorm.DB, people map[string]*User, i int, id int64, posted, now time.Time) error {
	d := demoIdeas[i]
	author := people[d.By]
	err := tx.Exec(`UPDATE ideas SET created_at = ?, updated_at = ? WHERE id = ?`, posted, posted, id).Error
	if err == nil {
		err = tx.Exec(`UPDATE votes SET created_at = ? WHERE idea_id = ? AND user_id = ?`, posted, id, author.ID).Error
	}
	if err == nil {
		err = tx.Exec(`UPDATE follows SET created_at = ? WHERE idea_id = ? AND user_id = ?`, posted, id, author.ID).Error
	}
	if err != nil {
		return err
	}
	voters := demoVoters(i, d, people)
	for k, u := range voters {
		if _, err := Vote(ctx, tx, u, id); err != nil {
			return err
		}
		at := demoLater(posted, now, 0.95*math.Sqrt(float64(k+1)/float64(len(voters)+1)))
		if err := tx.Exec(`UPDATE votes SET created_at = ? WHERE idea_id = ? AND user_id = ?`, at, id, u.ID).Error; err != nil {
			return err
		}
		if k%3 == 1 { // some voters also want to hear about progress
			if err := demoFollow(ctx, tx, u, id, at); err != nil {
				return err
			}
		}
	}
	commentIDs := make([]int64, len(d.Comments))
	for j, c := range d.Comments {
		in := CommentInput{Body: c.Body}
		if c.Parent > 0 {
			in.ParentID = &commentIDs[c.Parent-1]
		}
		u := people[c.By]
		made, err := CreateComment(ctx, tx, u, id, in)
		if err != nil {
			return err
		}
		commentIDs[j] = made.ID
		at := demoLater(posted, now, 0.9*float64(j+1)/float64(len(d.Comments)+1))
		if err := tx.Exec(`UPDATE comments SET created_at = ? WHERE id = ?`, at, made.ID).Error; err != nil {
			return err
		}
		if err := demoFollow(ctx, tx, u, id, at); err != nil { // commenters follow the discussion
			return err
		}
	}
	return nil
}

// demoFollow follows the idea, dated at the user's first reason to.
func demoFollow(ctx context.Context, tx *gorm.DB, u *User, ideaID int64, at time.Time) error {
	if _, err := SetFollow(ctx, tx, u, ideaID, true); err != nil {
		return err
	}
	return tx.Exec(`UPDATE follows SET created_at = least(created_at, ?) WHERE idea_id = ? AND user_id = ?`,
		at, ideaID, u.ID).Error
}

// demoPeople loads the demo users, keyed by the local part of their email.
func demoPeople(tx *gorm.DB) (map[string]*User, error) {
	people := make(map[string]*User, len(demoUsers))
	for _, d := range demoUsers {
		var u User
		if err := tx.Where("lower(email) = lower(?)", d.Email).Order("id").Take(&u).Error; err != nil {
			return nil, fmt.Errorf("demo user %s: %w", d.Email, err)
		}
		people[d.Email[:strings.IndexByte(d.Email, '@')]] = &u
	}
	return people, nil
}

// demoVoters picks who votes for an idea besides its author: customers
// first, starting at a different one for each idea, then staff.
func demoVoters(i int, d demoIdea, people map[string]*User) []*User {
	var members, staff []*User
	for _, du := range demoUsers {
		u := people[du.Email[:strings.IndexByte(du.Email, '@')]]
		if u.ID == people[d.By].ID {
			continue
		}
		if du.Role == RoleMember {
			members = append(members, u)
		} else {
			staff = append([]*User{u}, staff...) // product manager first, admin last
		}
	}
	start := (i * 4) % len(members)
	pool := append(append(members[start:len(members):len(members)], members[:start]...), staff...)
	if n := d.Votes - 1; n < len(pool) {
		pool = pool[:max(n, 0)]
	}
	return pool
}

// demoIdeaAge is how long before seeding idea i was posted: the ideas spread
// over the last 59 days, oldest first, at varied times of day.
func demoIdeaAge(i int) time.Duration {
	const day = 24 * time.Hour
	return 59*day - time.Duration(i)*58*day/time.Duration(len(demoIdeas)-1) + time.Duration((i*7)%10-5)*time.Hour
}

// demoLater is the moment fraction f of the way from posted to now.
func demoLater(posted, now time.Time, f float64) time.Time {
	return posted.Add(time.Duration(f * float64(now.Sub(posted))))
}

// demoScoreSQL recomputes the trending score of the backdated ideas from
// their activity, as cw_trend_add would have built it had the activity
// happened at those times: one term for the idea itself (which covers the
// author's own vote, as in CreateIdea), one per other vote and one per
// comment. ln(sum(exp(x))) is taken as m + ln(sum(exp(x - m))) with m the
// largest term, since exp(x) alone overflows for dates far enough out.
const demoScoreSQL = `WITH t AS (
		SELECT id AS idea_id, cw_trend_term(1, created_at) AS x FROM ideas WHERE id IN @ids
		UNION ALL
		SELECT v.idea_id, cw_trend_term(1, v.created_at) FROM votes v JOIN ideas i ON i.id = v.idea_id
		WHERE v.idea_id IN @ids AND v.user_id <> i.author_id
		UNION ALL
		SELECT idea_id, cw_trend_term(1, created_at) FROM comments WHERE idea_id IN @ids
	), m AS (SELECT idea_id, max(x) AS m FROM t GROUP BY idea_id)
	UPDATE ideas SET score = s.score
	FROM (SELECT t.idea_id, m.m + ln(sum(exp(t.x - m.m))) AS score FROM t JOIN m USING (idea_id) GROUP BY t.idea_id, m.m) s
	WHERE ideas.id = s.idea_id`
