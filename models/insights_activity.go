package models

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
)

// WeekActivity is what happened on the picked ideas in one week (Monday to
// Sunday, UTC): ideas posted, votes cast, comments written.
type WeekActivity struct {
	Week     time.Time
	Ideas    int64
	Votes    int64
	Comments int64
}

// communityComment is the condition for a comment that counts as
// participation: visible, not deleted, not a staff-only note.
const communityComment = `c.moderation = 'visible' AND c.deleted_at IS NULL AND NOT c.staff_only`

func weeklyActivity(ctx context.Context, db *gorm.DB, f InsightsFilter) ([]WeekActivity, error) {
	if len(f.Weeks) == 0 {
		return nil, nil
	}
	start, end := f.Weeks[0], f.Weeks[len(f.Weeks)-1].AddDate(0, 0, 7)
	sel, args := f.ideaSet()
	q := `WITH ` + sel + `,
	i AS (SELECT date_trunc('week', created_at AT TIME ZONE 'UTC') AS wk, count(*) AS n FROM sel
		WHERE created_at >= ? AND created_at < ? GROUP BY 1),
	v AS (SELECT date_trunc('week', v.created_at AT TIME ZONE 'UTC') AS wk, count(*) AS n FROM votes v JOIN sel ON sel.id = v.idea_id
		WHERE v.created_at >= ? AND v.created_at < ?` + f.within("v.idea_id") + ` GROUP BY 1),
	c AS (SELECT date_trunc('week', c.created_at AT TIME ZONE 'UTC') AS wk, count(*) AS n FROM comments c JOIN sel ON sel.id = c.idea_id
		WHERE ` + communityComment + ` AND c.created_at >= ? AND c.created_at < ?` + f.within("c.idea_id") + ` GROUP BY 1)
	SELECT g.wk AS week, coalesce(i.n, 0) AS ideas, coalesce(v.n, 0) AS votes, coalesce(c.n, 0) AS comments
	FROM generate_series(CAST(? AS timestamp), CAST(? AS timestamp), interval '7 days') AS g(wk)
	LEFT JOIN i ON i.wk = g.wk LEFT JOIN v ON v.wk = g.wk LEFT JOIN c ON c.wk = g.wk
	ORDER BY g.wk`
	all := append(args, start, end, start, end, start, end, start.Format(time.DateTime), f.Weeks[len(f.Weeks)-1].Format(time.DateTime))
	var out []WeekActivity
	if err := db.WithContext(ctx).Raw(q, all...).Scan(&out).Error; err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Week = time.Date(out[i].Week.Year(), out[i].Week.Month(), out[i].Week.Day(), 0, 0, 0, 0, time.UTC)
	}
	return out, nil
}

// Concentration is how unequally participation on the picked ideas is
// spread over members (people who can sign in; deleted accounts and staff
// placeholders are left out): the share of ideas, votes and comments from
// the most active 1% and 10% (ranked by all three together), the Lorenz
// curve of that activity and its Gini coefficient (0: everyone the same,
// near 1: one person does everything).
type Concentration struct {
	ConcentrationCounts
	Lorenz []LorenzPoint
}

// ConcentrationCounts are the numbers of a Concentration.
type ConcentrationCounts struct {
	Members                               int64
	Ideas, Votes, Comments                int64 // totals from members
	Top1Members, Top10Members             int64
	Top1Ideas, Top1Votes, Top1Comments    int64
	Top10Ideas, Top10Votes, Top10Comments int64
	Gini                                  float64
}

// LorenzPoint: the least active Population share of members account for
// Activity share of all activity (both 0..1).
type LorenzPoint struct {
	Population float64 `json:"p"`
	Activity   float64 `json:"a"`
}

// Share is part/whole as a fraction, 0 when there is no whole.
func Share(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

func concentration(ctx context.Context, db *gorm.DB, f InsightsFilter) (Concentration, error) {
	sel, args := f.ideaSet()
	return rankMembers(ctx, db, `WITH `+sel+`, `+f.memberActivity(), args, f.To)
}

// memberActivity is the CTEs "acts" and "per": each member's ideas, votes
// and comments on the picked ideas (the rebuild sums them over its chunks).
func (f InsightsFilter) memberActivity() string {
	return `acts AS (
		SELECT author_id AS user_id, 1 AS ideas, 0 AS votes, 0 AS comments FROM sel
		UNION ALL SELECT v.user_id, 0, 1, 0 FROM votes v JOIN sel ON sel.id = v.idea_id` + f.within("v.idea_id") + `
		UNION ALL SELECT c.author_id, 0, 0, 1 FROM comments c JOIN sel ON sel.id = c.idea_id WHERE ` + communityComment + f.within("c.idea_id") + `),
	per AS (SELECT user_id, sum(ideas) AS ideas, sum(votes) AS votes, sum(comments) AS comments FROM acts GROUP BY user_id)`
}

// rankMembers is the Concentration of the activity per member that the
// CTE "per" (user_id, ideas, votes, comments; bigint sums) of with holds,
// over the members who joined before "to".
func rankMembers(ctx context.Context, db *gorm.DB, with string, args []any, to time.Time) (Concentration, error) {
	q := with + `,
	ranked AS MATERIALIZED (
		SELECT coalesce(p.ideas, 0) AS ideas, coalesce(p.votes, 0) AS votes, coalesce(p.comments, 0) AS comments,
			coalesce(p.ideas + p.votes + p.comments, 0) AS total,
			row_number() OVER (ORDER BY coalesce(p.ideas + p.votes + p.comments, 0) DESC, u.id) AS rnk,
			count(*) OVER () AS n
		FROM users u LEFT JOIN per p ON p.user_id = u.id
		WHERE u.deleted_at IS NULL AND NOT u.placeholder AND u.created_at < ?),
	lz AS (
		SELECT n - rnk + 1 AS asc_rank, n,
			sum(total) OVER (ORDER BY rnk DESC) AS cum, sum(total) OVER () AS whole
		FROM ranked)
	SELECT coalesce(max(n), 0) AS members,
		coalesce(sum(ideas), 0) AS ideas, coalesce(sum(votes), 0) AS votes, coalesce(sum(comments), 0) AS comments,
		count(*) FILTER (WHERE rnk <= ceil(n * 0.01)) AS top1_members,
		count(*) FILTER (WHERE rnk <= ceil(n * 0.10)) AS top10_members,
		coalesce(sum(ideas) FILTER (WHERE rnk <= ceil(n * 0.01)), 0) AS top1_ideas,
		coalesce(sum(votes) FILTER (WHERE rnk <= ceil(n * 0.01)), 0) AS top1_votes,
		coalesce(sum(comments) FILTER (WHERE rnk <= ceil(n * 0.01)), 0) AS top1_comments,
		coalesce(sum(ideas) FILTER (WHERE rnk <= ceil(n * 0.10)), 0) AS top10_ideas,
		coalesce(sum(votes) FILTER (WHERE rnk <= ceil(n * 0.10)), 0) AS top10_votes,
		coalesce(sum(comments) FILTER (WHERE rnk <= ceil(n * 0.10)), 0) AS top10_comments,
		-- Gini over members sorted from least to most active (rank i from 1):
		-- 2·Σ i·x_i / (n·Σ x) − (n+1)/n.
		CASE WHEN coalesce(sum(total), 0) = 0 THEN 0
			ELSE 2.0 * sum((n - rnk + 1) * total) / (max(n) * sum(total)) - (max(n) + 1.0) / max(n) END AS gini,
		(SELECT coalesce(json_agg(json_build_object('p', asc_rank::float8 / n, 'a', CASE WHEN whole = 0 THEN 0 ELSE cum::float8 / whole END) ORDER BY asc_rank), '[]')
			FROM lz WHERE asc_rank * 20 / n > (asc_rank - 1) * 20 / n) AS lorenz_json
	FROM ranked`
	var row struct {
		ConcentrationCounts
		LorenzJSON string
	}
	if err := db.WithContext(ctx).Raw(q, append(args, to)...).Scan(&row).Error; err != nil {
		return Concentration{}, err
	}
	c := Concentration{ConcentrationCounts: row.ConcentrationCounts, Lorenz: []LorenzPoint{{0, 0}}}
	var pts []LorenzPoint
	if err := json.Unmarshal([]byte(row.LorenzJSON), &pts); err != nil {
		return c, err
	}
	c.Lorenz = append(c.Lorenz, pts...)
	return c, nil
}
