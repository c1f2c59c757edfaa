package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// InsightsQuery is the filter form of the insights page, as typed. Every
// field is optional; ParseInsightsQuery validates each one.
type InsightsQuery struct {
	From     string // YYYY-MM-DD, inclusive (UTC); empty: all time
	To       string // YYYY-MM-DD, inclusive (UTC); empty: today
	Category string // a category slug
	Segment  string // an account segment, exactly as the accounts carry it
}

// InsightsFilter is a validated InsightsQuery. The filters pick ideas:
// posted in [From, To), in the category, with an account of the segment at
// stake; with a segment, ARR sums count only that segment's accounts.
type InsightsFilter struct {
	From       *time.Time // nil: all time
	To         time.Time  // exclusive: the day after the last day
	CategoryID int64      // 0: every category
	Segment    string     // "": every segment
	// Weeks is the first day (a Monday) of each week the weekly chart
	// shows: the range's weeks, or the last 26 when it has no start.
	Weeks []time.Time
	// rollup: read demand from insights_idea_demand (fresh) instead of
	// the idea_account_demand view.
	rollup bool
	// chunk, when set, narrows the picked ideas to an id range: the
	// rebuild goes through the ideas one short transaction per range.
	chunk *ideaRange
}

// ideaRange is the ideas with lo <= id < hi.
type ideaRange struct{ lo, hi int64 }

// within is the condition that col (an idea id) lies in f's chunk, or ""
// without one. Every table joined on the idea id gets it, so each side is
// read for the range only, whichever join the planner picks. The bounds
// are the rebuild's own integers, never input.
func (f InsightsFilter) within(col string) string {
	if f.chunk == nil {
		return ""
	}
	return fmt.Sprintf(" AND %s >= %d AND %s < %d", col, f.chunk.lo, col, f.chunk.hi)
}

const (
	insightsDefaultWeeks = 26
	insightsMaxWeeks     = 104
)

// ParseInsightsQuery validates q against the categories and segments that
// exist; now is the current time (tests pin it).
func ParseInsightsQuery(ctx context.Context, db *gorm.DB, q InsightsQuery, now time.Time) (InsightsFilter, error) {
	v := &ValidationError{}
	f := InsightsFilter{}
	today := now.UTC().Truncate(24 * time.Hour)
	from, fromOK := auditDate(v, "from", q.From)
	to, toOK := auditDate(v, "to", q.To)
	if !toOK {
		to = today
	}
	switch {
	case fromOK && to.Before(from):
		v.Add("to", "The end date is before the start date.")
	case fromOK && to.Sub(from) > insightsMaxWeeks*7*24*time.Hour:
		v.Add("from", "The range can be at most 104 weeks (2 years); leave the start empty for all time.")
	case to.After(today.AddDate(1, 0, 0)) || to.Year() < 2000 || (fromOK && from.Year() < 2000):
		v.Add("to", "Pick dates between the year 2000 and next year.")
	}
	if fromOK {
		f.From = &from
	}
	f.To = to.AddDate(0, 0, 1)
	if s := strings.TrimSpace(q.Category); s != "" {
		if !slugRe.MatchString(s) {
			v.Add("category", "Pick a category from the list.")
		} else if err := db.WithContext(ctx).Raw(`SELECT id FROM categories WHERE slug = ?`, s).Scan(&f.CategoryID).Error; err != nil {
			return f, err
		} else if f.CategoryID == 0 {
			v.Add("category", "There is no category "+s+".")
		}
	}
	if s := strings.TrimSpace(q.Segment); s != "" {
		var known bool
		switch {
		case utf8.RuneCountInString(s) > 100 || textProblem(s) != "":
			v.Add("segment", "Pick a segment from the list.")
		default:
			if err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM crm_accounts WHERE segment = ?)`, s).Scan(&known).Error; err != nil {
				return f, err
			}
			if !known {
				v.Add("segment", "No account is in the segment "+s+".")
			}
			f.Segment = s
		}
	}
	if err := v.Err(); err != nil {
		return f, err
	}
	f.Weeks = insightsWeeks(f.From, f.To)
	return f, nil
}

// insightsWeeks lists the Mondays of the weeks from from (or 26 weeks
// before to) up to the week that holds the last day before to.
func insightsWeeks(from *time.Time, to time.Time) []time.Time {
	last := monday(to.AddDate(0, 0, -1))
	first := last.AddDate(0, 0, -7*(insightsDefaultWeeks-1))
	if from != nil {
		first = monday(*from)
	}
	var out []time.Time
	for w := first; !w.After(last); w = w.AddDate(0, 0, 7) {
		out = append(out, w)
	}
	return out
}

func monday(t time.Time) time.Time {
	t = t.UTC().Truncate(24 * time.Hour)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// ideaSet is the SQL of the CTE "sel" (the ideas the filter picks) with its
// arguments. Only fixed SQL text is joined; every value is an argument.
func (f InsightsFilter) ideaSet() (string, []any) {
	sql := `sel AS (SELECT i.id, i.title, i.status, i.vote_count, i.created_at, i.author_id FROM ideas i
		WHERE i.moderation = 'visible' AND i.deleted_at IS NULL AND i.merged_into_id IS NULL AND i.created_at < ?`
	args := []any{f.To}
	sql += f.within("i.id")
	if f.From != nil {
		sql += ` AND i.created_at >= ?`
		args = append(args, *f.From)
	}
	if f.CategoryID != 0 {
		sql += ` AND i.category_id = ?`
		args = append(args, f.CategoryID)
	}
	switch {
	case f.Segment != "" && f.rollup:
		sql += ` AND i.id IN (SELECT x.idea_id FROM insights_idea_demand x WHERE x.segment = ?)`
		args = append(args, f.Segment)
	case f.Segment != "":
		// A semi-join the planner can hash (the view once for the segment's
		// accounts), not an EXISTS it would evaluate per idea.
		sql += ` AND i.id IN (SELECT d.idea_id FROM crm_accounts a JOIN idea_account_demand d ON d.account_id = a.id
			WHERE a.segment = ?)`
		args = append(args, f.Segment)
	}
	return sql + `)`, args
}
