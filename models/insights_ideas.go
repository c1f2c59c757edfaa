package models

import (
	"context"
	"sort"

	"gorm.io/gorm"
)

// InsightIdea is one idea in a top list: its votes and the ARR at stake
// (reporting-currency cents, each account once, accounts without an
// exchange rate left out).
type InsightIdea struct {
	ID       int64
	Title    string
	Votes    int64
	ARRCents int64
	Accounts int64
}

// SegmentShare is the demand one segment puts behind one idea.
type SegmentShare struct {
	Segment  string // "" for accounts without a segment
	Accounts int64
	Votes    int64 // votes from the segment's members
	ARRCents int64
}

// IdeaSegments is the demand by segment for one of the top ideas by ARR.
// OtherVotes are the idea's votes from members of no account (or, with a
// segment filter, of another segment's accounts).
type IdeaSegments struct {
	Idea       InsightIdea
	Shares     []SegmentShare
	OtherVotes int64
}

// InsightsTop is how many ideas each top list holds.
const InsightsTop = 15

// rateCTE is the reporting currency's rates as a table, from FX.SQLRates.
const rateCTE = `rates AS (SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS float8[])) AS r(code, rate))`

// demandRows is the SQL of a subquery of the picked ideas' demand by
// (idea, segment, currency): accounts, their members' votes and ARR in the
// account's currency. It reads the rollup when f says so, else the view.
// ARR is converted per row at read (one rounding per idea, segment and
// currency), whichever the source, so both give the same numbers.
func (f InsightsFilter) demandRows() string {
	if f.rollup {
		return `(SELECT x.idea_id, x.segment, x.currency, x.accounts, x.votes, x.arr_cents
			FROM sel JOIN insights_idea_demand x ON x.idea_id = sel.id` + f.within("x.idea_id") + `)`
	}
	return `(SELECT d.idea_id, a.segment, a.currency, count(*) AS accounts, sum(d.votes)::bigint AS votes, sum(a.arr_cents)::bigint AS arr_cents
		FROM sel JOIN idea_account_demand d ON d.idea_id = sel.id JOIN crm_accounts a ON a.id = d.account_id
		GROUP BY d.idea_id, a.segment, a.currency)`
}

// topByARR returns the top ideas by ARR at stake with their demand split by
// segment, in one pass over the picked ideas' demand.
func topByARR(ctx context.Context, db *gorm.DB, fx FX, f InsightsFilter) ([]IdeaSegments, error) {
	codes, rates := fx.SQLRates()
	sel, args := f.ideaSet()
	segment := ""
	if f.Segment != "" {
		segment = ` WHERE x.segment = ?`
	}
	q := `WITH ` + rateCTE + `, ` + sel + `,
	dem AS MATERIALIZED (
		SELECT x.idea_id, x.segment, x.accounts, x.votes, round(x.arr_cents * r.rate)::bigint AS arr
		FROM ` + f.demandRows() + ` x
		LEFT JOIN rates r ON r.code = x.currency` + segment + `),
	top AS (SELECT idea_id, sum(arr)::bigint AS total FROM dem GROUP BY idea_id
		HAVING coalesce(sum(arr), 0) > 0 ORDER BY total DESC, idea_id DESC LIMIT ?)
	SELECT top.idea_id, sel.title, sel.vote_count, top.total, dem.segment,
		sum(dem.accounts)::bigint AS accounts, sum(dem.votes)::bigint AS votes, coalesce(sum(dem.arr), 0)::bigint AS arr
	FROM top JOIN dem ON dem.idea_id = top.idea_id JOIN sel ON sel.id = top.idea_id
	GROUP BY top.idea_id, sel.title, sel.vote_count, top.total, dem.segment
	ORDER BY top.total DESC, top.idea_id DESC, dem.segment`
	all := append([]any{codes, rates}, args...)
	if f.Segment != "" {
		all = append(all, f.Segment)
	}
	all = append(all, InsightsTop)
	var rows []struct {
		IdeaID, VoteCount, Total, Accounts, Votes, Arr int64
		Title, Segment                                 string
	}
	if err := db.WithContext(ctx).Raw(q, all...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	var out []IdeaSegments
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Idea.ID != r.IdeaID {
			out = append(out, IdeaSegments{Idea: InsightIdea{ID: r.IdeaID, Title: r.Title, Votes: r.VoteCount, ARRCents: r.Total}, OtherVotes: r.VoteCount})
		}
		cur := &out[len(out)-1]
		cur.Idea.Accounts += r.Accounts
		cur.OtherVotes -= r.Votes
		cur.Shares = append(cur.Shares, SegmentShare{Segment: r.Segment, Accounts: r.Accounts, Votes: r.Votes, ARRCents: r.Arr})
	}
	for i := range out {
		// A proxy vote counts once in vote_count but for the account too;
		// never show a negative remainder.
		out[i].OtherVotes = max(out[i].OtherVotes, 0)
	}
	return out, nil
}

// topByVotes returns the most voted ideas with their ARR at stake beside,
// so loud and valuable can be compared. Demand is looked up for these ideas
// only (a lateral lookup per idea, on the view's indexed branches or the
// rollup's key).
func topByVotes(ctx context.Context, db *gorm.DB, fx FX, f InsightsFilter) ([]InsightIdea, error) {
	codes, rates := fx.SQLRates()
	sel, args := f.ideaSet()
	segment := ""
	if f.Segment != "" {
		segment = ` WHERE x.segment = ?`
	}
	src := `(SELECT a.segment, a.currency, count(*) AS accounts, sum(a.arr_cents)::bigint AS arr_cents
		FROM idea_account_demand d JOIN crm_accounts a ON a.id = d.account_id
		WHERE d.idea_id = top.id GROUP BY a.segment, a.currency)`
	if f.rollup {
		src = `(SELECT segment, currency, accounts, arr_cents FROM insights_idea_demand WHERE idea_id = top.id)`
	}
	q := `WITH ` + rateCTE + `, ` + sel + `,
	top AS (SELECT id, title, vote_count FROM sel ORDER BY vote_count DESC, id DESC LIMIT ?)
	SELECT top.id, top.title, top.vote_count AS votes, coalesce(dm.arr, 0) AS arr_cents, coalesce(dm.accounts, 0) AS accounts
	FROM top LEFT JOIN LATERAL (
		SELECT sum(round(x.arr_cents * r.rate))::bigint AS arr, sum(x.accounts)::bigint AS accounts
		FROM ` + src + ` x LEFT JOIN rates r ON r.code = x.currency` + segment + `) dm ON true
	ORDER BY top.vote_count DESC, top.id DESC`
	all := append(append([]any{codes, rates}, args...), InsightsTop)
	if f.Segment != "" {
		all = append(all, f.Segment)
	}
	out := []InsightIdea{}
	err := db.WithContext(ctx).Raw(q, all...).Scan(&out).Error
	return out, err
}

// CurrencyGap is a currency accounts use that has no exchange rate: their
// ARR is left out of every sum.
type CurrencyGap struct {
	Currency string
	Accounts int64
}

func currencyGaps(ctx context.Context, db *gorm.DB, fx FX) ([]CurrencyGap, error) {
	codes, _ := fx.SQLRates()
	out := []CurrencyGap{}
	err := db.WithContext(ctx).Raw(`SELECT currency, count(*) AS accounts FROM crm_accounts
		WHERE currency <> ALL (CAST(? AS text[])) GROUP BY currency ORDER BY currency`, codes).Scan(&out).Error
	return out, err
}

// segmentNames lists the segments in the top ideas' demand, in order, so
// every bar stacks them the same way.
func segmentNames(top []IdeaSegments) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range top {
		for _, s := range t.Shares {
			if !seen[s.Segment] {
				seen[s.Segment] = true
				out = append(out, s.Segment)
			}
		}
	}
	sort.Strings(out)
	return out
}
