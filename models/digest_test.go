package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

// The digest schedule fires at the digest hour, and again inside the grace
// hour (for a leader elected after the hour), never later: a process starting
// after the hour sends nothing until tomorrow's. Swept over every minute of
// two days.
func TestDigestScheduleFiresAtItsHourNotAtStart(t *testing.T) {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	hour := time.Duration(models.DigestHour) * time.Hour
	for m := 0; m < 2*24*60; m++ {
		now := today.Add(time.Duration(m) * time.Minute)
		next := models.DigestSchedule{}.Next(now)
		day := now.Truncate(24 * time.Hour)
		// The last firing of the grace hour is at 08:50.
		inGrace := !now.Before(day.Add(hour)) && now.Before(day.Add(hour+50*time.Minute))
		switch {
		case !next.After(now):
			t.Fatalf("Next(%s) = %s, not after now", now, next)
		case now.Before(day.Add(hour)) && !next.Equal(day.Add(hour)):
			t.Fatalf("before the hour: Next(%s) = %s, want %s", now, next, day.Add(hour))
		case inGrace && next.Sub(now) > 10*time.Minute:
			t.Fatalf("within the grace hour: Next(%s) = %s, want within 10 minutes", now, next)
		case inGrace && next.After(day.Add(hour+time.Hour)):
			t.Fatalf("within the grace hour: Next(%s) = %s, past the hour", now, next)
		case !inGrace && !now.Before(day.Add(hour)) && !next.Equal(day.AddDate(0, 0, 1).Add(hour)):
			t.Fatalf("after the grace hour: Next(%s) = %s, want tomorrow's %s", now, next, day.AddDate(0, 0, 1).Add(hour))
		}
	}
}

// Each day's digest is queued once however often the schedule fires and
// however many processes fire it, done or not; another day's is its own.
func TestDigestIsQueuedOncePerDay(t *testing.T) {
	ctx := context.Background()
	e := newNotifyEnv(t)
	ann, cal := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Cal")
	idea := notifyIdea(t, e.db, ann, "Digest timing matters")
	if _, err := models.SetFollow(ctx, e.db, cal, idea.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateComment(ctx, e.db, ann, idea.ID, models.CommentInput{Body: "Something for the digest"}); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour).Add(time.Duration(models.DigestHour) * time.Hour)
	e.queueDigest(t, today)
	e.queueDigest(t, today.Add(10*time.Minute))
	e.run(t)
	if n := len(e.srv.Messages()); n != 1 {
		t.Fatalf("%d digests sent, want 1", n)
	}
	e.queueDigest(t, today.Add(20*time.Minute))
	e.run(t)
	if n := len(e.srv.Messages()); n != 1 {
		t.Errorf("%d digests after a later firing the same day, want 1", n)
	}
	var days []string
	e.queueDigest(t, today.AddDate(0, 0, 1))
	e.db.Raw(`SELECT args->>'day' FROM river_job WHERE kind = 'digest' ORDER BY 1`).Scan(&days)
	if len(days) != 2 || days[0] != today.Format(time.DateOnly) || days[1] != today.AddDate(0, 0, 1).Format(time.DateOnly) {
		t.Errorf("digest jobs for days %v, want today and tomorrow", days)
	}
}
