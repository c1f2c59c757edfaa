package handlers

import (
	"fmt"

	"github.com/crowdwise/crowdwise/models"
)

// insightsView is what staff_insights.html receives: the form, and when the
// filters are valid every chart with its table.
type insightsView struct {
	Form       insightsForm
	Fields     map[string]string
	Categories []models.Category
	Segments   []string
	In         *models.Insights
	Charts     []insightsChart
	Gaps       string // the currencies left out, in words
}

// insightsChart is one chart: its SVG, its numbers and its download link.
type insightsChart struct {
	Name, Title, Note string
	SVGs              []svgChart
	Legend            []legendItem
	Table             models.InsightsTable
	CSV               string
}

type legendItem struct{ Label, Class string }

// segmentClasses colour segments in stacking order; more segments reuse
// them.
var segmentClasses = []string{"chart-s0", "chart-s1", "chart-s2", "chart-s3", "chart-s4", "chart-s5"}

func (v *insightsView) fill(in *models.Insights) {
	v.In = in
	cur := in.Currency
	money := func(cents int64) string { return grouped((cents+50)/100) + " " + cur }
	for i, g := range in.Gaps {
		if i > 0 {
			v.Gaps += ", "
		}
		v.Gaps += fmt.Sprintf("%s (%s)", g.Currency, plural(int(g.Accounts), "account"))
	}
	table := func(name string) models.InsightsTable { t, _ := in.Table(name); return t }
	chart := func(name, title, note string, svgs ...svgChart) insightsChart {
		return insightsChart{Name: name, Title: title, Note: note, SVGs: svgs, Table: table(name), CSV: v.Form.csvLink(name)}
	}

	var arr, votes []barItem
	for _, s := range in.TopARR {
		arr = append(arr, barItem{Label: s.Idea.Title, Value: money(s.Idea.ARRCents),
			Parts: []barPart{{float64(s.Idea.ARRCents), "chart-arr", money(s.Idea.ARRCents)}}})
	}
	for _, i := range in.TopVotes {
		votes = append(votes, barItem{Label: i.Title, Value: plural(int(i.Votes), "vote"),
			Parts: []barPart{{float64(i.Votes), "chart-votes", plural(int(i.Votes), "vote")}}})
	}
	v.Charts = append(v.Charts,
		chart("top_arr", "Valuable: top ideas by ARR at stake", "Each account counts once per idea, linked by staff or voting through its members.", hbars(arr)),
		chart("top_votes", "Loud: top ideas by votes", "With the ARR at stake behind each, to compare.", hbars(votes)))

	class := map[string]string{}
	var legend []legendItem
	for i, s := range in.Segments {
		class[s] = segmentClasses[i%len(segmentClasses)]
		legend = append(legend, legendItem{models.SegmentLabel(s), class[s]})
	}
	var segARR, segVotes []barItem
	for _, s := range in.TopARR {
		a := barItem{Label: s.Idea.Title, Value: money(s.Idea.ARRCents)}
		b := barItem{Label: s.Idea.Title, Value: plural(int(s.Idea.Votes), "vote")}
		for _, sh := range s.Shares {
			name := models.SegmentLabel(sh.Segment)
			a.Parts = append(a.Parts, barPart{float64(sh.ARRCents), class[sh.Segment], name + ": " + money(sh.ARRCents)})
			b.Parts = append(b.Parts, barPart{float64(sh.Votes), class[sh.Segment], name + ": " + plural(int(sh.Votes), "vote")})
		}
		b.Parts = append(b.Parts, barPart{float64(s.OtherVotes), "chart-other", models.OtherVotesLabel + ": " + plural(int(s.OtherVotes), "vote")})
		segARR, segVotes = append(segARR, a), append(segVotes, b)
	}
	seg := chart("segments", "Demand by segment for the top ideas by ARR", "ARR at stake (first chart) and votes (second) per segment.", hbars(segARR), hbars(segVotes))
	seg.Legend = append(legend, legendItem{models.OtherVotesLabel + " (votes)", "chart-other"})
	v.Charts = append(v.Charts, seg)

	var weeks []string
	series := make([][]int64, 3)
	for _, w := range in.Weekly {
		weeks = append(weeks, w.Week.Format("2006-01-02"))
		series[0] = append(series[0], w.Ideas)
		series[1] = append(series[1], w.Votes)
		series[2] = append(series[2], w.Comments)
	}
	v.Charts = append(v.Charts, chart("weekly", "New ideas, votes and comments per week", "Weeks start on Monday (UTC); each series on its own scale.",
		weekPanels(weeks, series, []string{"Ideas", "Votes", "Comments"}, []string{"chart-s0", "chart-votes", "chart-s2"})))

	c := in.Concentration
	var pts [][2]float64
	for _, p := range c.Lorenz {
		pts = append(pts, [2]float64{p.Population, p.Activity})
	}
	conc := chart("concentration", "Participation concentration",
		fmt.Sprintf("Gini coefficient %.2f over %s (0: everyone takes part equally; near 1: one person does everything). Most active ranked by ideas, votes and comments together.", c.Gini, plural(int(c.Members), "member")), hbars(shareBars(c)))
	lz := chart("lorenz", "Lorenz curve of participation", "Share of all activity from the least active share of members; the diagonal is perfect equality.", lorenz(pts))
	v.Charts = append(v.Charts, conc, lz)

	var labels []string
	var counts []int64
	var classes []string
	for _, s := range in.Statuses {
		labels, counts = append(labels, statusLabel(s.Status)), append(counts, s.Ideas)
		classes = append(classes, "chart-st-"+s.Status)
	}
	days := func(d *float64, n int64) string {
		if d == nil {
			return "no idea got there yet"
		}
		return fmt.Sprintf("%.1f days (%s)", *d, plural(int(n), "idea"))
	}
	v.Charts = append(v.Charts, chart("status", "Ideas by status",
		"Median from posted to planned: "+days(in.Cycle.ToPlanned, in.Cycle.Planned)+"; to shipped: "+days(in.Cycle.ToShipped, in.Cycle.Shipped)+".",
		vbars(labels, counts, classes)))
}

// shareBars are the shares of ideas, votes and comments from the most
// active 1% and 10%, each bar on a 0–100% scale.
func shareBars(c models.Concentration) []barItem {
	var out []barItem
	for _, g := range []struct {
		name     string
		i, v, cm int64
	}{{"top 1%", c.Top1Ideas, c.Top1Votes, c.Top1Comments}, {"top 10%", c.Top10Ideas, c.Top10Votes, c.Top10Comments}} {
		for _, k := range []struct {
			kind        string
			part, whole int64
		}{{"ideas", g.i, c.Ideas}, {"votes", g.v, c.Votes}, {"comments", g.cm, c.Comments}} {
			share := 100 * models.Share(k.part, k.whole)
			out = append(out, barItem{Label: "Most active " + g.name + ": " + k.kind, Value: fmt.Sprintf("%.1f%%", share),
				Parts: []barPart{{share, "chart-arr", fmt.Sprintf("%.1f%% of %s", share, k.kind)}, {100 - share, "chart-rest", ""}}})
		}
	}
	return out
}
