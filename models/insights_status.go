package models

import (
	"context"

	"gorm.io/gorm"
)

// StatusCount is how many picked ideas have a status.
type StatusCount struct {
	Status string
	Ideas  int64
}

// CycleTimes are the median days from posting to the first move to planned
// and to shipped, over the picked ideas that got there (Planned and Shipped
// say how many did; a median of none is nil).
type CycleTimes struct {
	ToPlanned, ToShipped *float64
	Planned, Shipped     int64
}

func statusCounts(ctx context.Context, db *gorm.DB, f InsightsFilter) ([]StatusCount, error) {
	sel, args := f.ideaSet()
	var rows []StatusCount
	if err := db.WithContext(ctx).Raw(`WITH `+sel+` SELECT status, count(*) AS ideas FROM sel GROUP BY status`, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	// Every status in workflow order, zeros included, so charts line up.
	n := map[string]int64{}
	for _, r := range rows {
		n[r.Status] = r.Ideas
	}
	out := []StatusCount{}
	for _, s := range Statuses {
		if s != StatusMerged {
			out = append(out, StatusCount{Status: s, Ideas: n[s]})
		}
	}
	return out, nil
}

func cycleTimes(ctx context.Context, db *gorm.DB, f InsightsFilter) (CycleTimes, error) {
	sel, args := f.ideaSet()
	q := `WITH ` + sel + `,
	firsts AS (
		SELECT sel.created_at,
			min(sc.created_at) FILTER (WHERE sc.to_status = 'planned') AS planned_at,
			min(sc.created_at) FILTER (WHERE sc.to_status = 'shipped') AS shipped_at
		FROM sel JOIN idea_status_changes sc ON sc.idea_id = sel.id AND sc.to_status IN ('planned', 'shipped')
		GROUP BY sel.id, sel.created_at)
	SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM planned_at - created_at) / 86400) AS to_planned,
		percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM shipped_at - created_at) / 86400) AS to_shipped,
		count(planned_at) AS planned, count(shipped_at) AS shipped
	FROM firsts`
	var out CycleTimes
	err := db.WithContext(ctx).Raw(q, args...).Scan(&out).Error
	return out, err
}
