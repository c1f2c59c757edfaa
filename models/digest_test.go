package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

// digestJob is the digest fan-out job of one day, as stored.
type digestJob struct {
	RunAt     time.Time
	DoneAt    *time.Time
	LastError string
}

func digestJobs(t *testing.T, e *notifyEnv) map[string]digestJob {
	t.Helper()
	var rows []struct {
		Day       string
		RunAt     time.Time
		DoneAt    *time.Time
		LastError string
	}
	if err := e.db.Raw(`SELECT payload->>'day' AS day, run_at, done_at, last_error FROM jobs WHERE kind = 'digest'`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]digestJob{}
	for _, r := range rows {
		out[r.Day] = digestJob{r.RunAt, r.DoneAt, r.LastError}
	}
	return out
}

// A process starting after the digest hour queues tomorrow's digest and
// sends nothing now; before the hour it queues today's.
func TestDigestIsScheduledForItsHourNotForStart(t *testing.T) {
	ctx := context.Background()
	e := newNotifyEnv(t)
	ann, cal := notifyUser(t, e.db, "Ann"), notifyUser(t, e.db, "Cal")
	idea := notifyIdea(t, e.db, ann, "Digest timing matters")
	if _, err := models.SetFollow(ctx, e.db, cal, idea.ID, true); err != nil {
		t.Fatal(err)
	}
	// A comment on a followed idea goes to Cal's digest by default.
	if _, err := models.CreateComment(ctx, e.db, ann, idea.ID, models.CommentInput{Body: "Something for the digest"}); err != nil {
		t.Fatal(err)
	}

	today := time.Now().UTC().Truncate(24 * time.Hour)
	tomorrow := today.AddDate(0, 0, 1)
	hour := time.Duration(models.DigestHour) * time.Hour
	if err := models.ScheduleDigest(ctx, e.db, today.Add(hour+time.Hour)); err != nil { // an hour after the digest hour
		t.Fatal(err)
	}
	jobs := digestJobs(t, e)
	if len(jobs) != 1 || !jobs[tomorrow.Format(time.DateOnly)].RunAt.Equal(tomorrow.Add(hour)) {
		t.Fatalf("after the hour: digest jobs %+v, want one for %s at %s", jobs, tomorrow.Format(time.DateOnly), tomorrow.Add(hour))
	}
	e.run(t)
	if n := len(e.srv.Messages()); n != 0 {
		t.Errorf("%d emails sent at start; the digest waits for its hour", n)
	}

	// Before the hour: today's digest, at the hour.
	if err := models.ScheduleDigest(ctx, e.db, today.Add(hour-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if j, ok := digestJobs(t, e)[today.Format(time.DateOnly)]; !ok || !j.RunAt.Equal(today.Add(hour)) {
		t.Errorf("before the hour: today's digest %+v", j)
	}
}

// A digest whose hour passed while no worker ran is settled as skipped when
// the next worker starts, not sent late; one just within the grace period
// is kept.
func TestLateDigestIsSkippedNotSentAtStart(t *testing.T) {
	ctx := context.Background()
	e := newNotifyEnv(t)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	hour := time.Duration(models.DigestHour) * time.Hour
	old, recent := today.AddDate(0, 0, -3), today.AddDate(0, 0, -1)
	for _, day := range []time.Time{old, recent} {
		if err := models.ScheduleDigest(ctx, e.db, day.Add(hour-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	// A worker starts 30 minutes after yesterday's digest hour.
	if err := models.ScheduleDigest(ctx, e.db, recent.Add(hour+30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	jobs := digestJobs(t, e)
	if j := jobs[old.Format(time.DateOnly)]; j.DoneAt == nil || j.LastError == "" {
		t.Errorf("a digest three days late is still pending: %+v", j)
	}
	if j := jobs[recent.Format(time.DateOnly)]; j.DoneAt != nil {
		t.Errorf("a digest 30 minutes late was skipped: %+v", j)
	}
	if _, ok := jobs[today.Format(time.DateOnly)]; !ok {
		t.Errorf("the next digest is not queued: %+v", jobs)
	}
}
