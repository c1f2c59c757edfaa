package models

import (
	"fmt"
	"strconv"
)

// InsightsCharts are the charts that have a table (and a CSV download), by
// the name the URL uses. Only these names are accepted.
var InsightsCharts = []string{"top_arr", "top_votes", "segments", "weekly", "concentration", "lorenz", "status"}

// InsightsTable is one chart's numbers as rows of text, header first.
type InsightsTable struct {
	Header []string
	Rows   [][]string
}

// Table returns the numbers of chart, or false for an unknown chart name.
func (in *Insights) Table(chart string) (InsightsTable, bool) {
	cur := in.Currency
	switch chart {
	case "top_arr":
		t := InsightsTable{Header: []string{"idea_id", "title", "arr_" + cur, "accounts", "votes"}}
		for _, s := range in.TopARR {
			t.Rows = append(t.Rows, []string{itoa64(s.Idea.ID), s.Idea.Title, Money(s.Idea.ARRCents), itoa64(s.Idea.Accounts), itoa64(s.Idea.Votes)})
		}
		return t, true
	case "top_votes":
		t := InsightsTable{Header: []string{"idea_id", "title", "votes", "arr_" + cur, "accounts"}}
		for _, i := range in.TopVotes {
			t.Rows = append(t.Rows, []string{itoa64(i.ID), i.Title, itoa64(i.Votes), Money(i.ARRCents), itoa64(i.Accounts)})
		}
		return t, true
	case "segments":
		t := InsightsTable{Header: []string{"idea_id", "title", "segment", "accounts", "votes", "arr_" + cur}}
		for _, s := range in.TopARR {
			for _, sh := range s.Shares {
				t.Rows = append(t.Rows, []string{itoa64(s.Idea.ID), s.Idea.Title, SegmentLabel(sh.Segment), itoa64(sh.Accounts), itoa64(sh.Votes), Money(sh.ARRCents)})
			}
			t.Rows = append(t.Rows, []string{itoa64(s.Idea.ID), s.Idea.Title, OtherVotesLabel, "", itoa64(s.OtherVotes), ""})
		}
		return t, true
	case "weekly":
		t := InsightsTable{Header: []string{"week", "ideas", "votes", "comments"}}
		for _, w := range in.Weekly {
			t.Rows = append(t.Rows, []string{w.Week.Format("2006-01-02"), itoa64(w.Ideas), itoa64(w.Votes), itoa64(w.Comments)})
		}
		return t, true
	case "concentration":
		c := in.Concentration
		t := InsightsTable{Header: []string{"group", "members", "ideas_share", "votes_share", "comments_share"}}
		t.Rows = [][]string{
			{"top 1%", itoa64(c.Top1Members), pct(c.Top1Ideas, c.Ideas), pct(c.Top1Votes, c.Votes), pct(c.Top1Comments, c.Comments)},
			{"top 10%", itoa64(c.Top10Members), pct(c.Top10Ideas, c.Ideas), pct(c.Top10Votes, c.Votes), pct(c.Top10Comments, c.Comments)},
			{"all members", itoa64(c.Members), pct(c.Ideas, c.Ideas), pct(c.Votes, c.Votes), pct(c.Comments, c.Comments)},
			{"gini", fmt.Sprintf("%.3f", c.Gini), "", "", ""},
		}
		return t, true
	case "lorenz":
		t := InsightsTable{Header: []string{"members_share", "activity_share"}}
		for _, p := range in.Concentration.Lorenz {
			t.Rows = append(t.Rows, []string{fmt.Sprintf("%.3f", p.Population), fmt.Sprintf("%.3f", p.Activity)})
		}
		return t, true
	case "status":
		t := InsightsTable{Header: []string{"status", "ideas"}}
		for _, s := range in.Statuses {
			t.Rows = append(t.Rows, []string{s.Status, itoa64(s.Ideas)})
		}
		t.Rows = append(t.Rows,
			[]string{"median_days_to_planned", days(in.Cycle.ToPlanned)},
			[]string{"median_days_to_shipped", days(in.Cycle.ToShipped)})
		return t, true
	}
	return InsightsTable{}, false
}

// OtherVotesLabel names the votes from members of no account (or of
// another segment than the filter's).
const OtherVotesLabel = "No account / other"

// SegmentLabel is a segment for display: accounts without one are "(none)".
func SegmentLabel(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Money is cents as a decimal amount with two places: 123456 → "1234.56".
func Money(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// pct is part/whole as a percentage with one decimal, "" with no whole.
func pct(part, whole int64) string {
	if whole == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f", 100*Share(part, whole))
}

func days(d *float64) string {
	if d == nil {
		return ""
	}
	return fmt.Sprintf("%.1f", *d)
}
