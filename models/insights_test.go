package models_test

import (
	"errors"
	"math"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// insightsNow is the pinned "now" of the insights tests: Wednesday
// 2026-06-17, so the last week of the chart starts Monday 2026-06-15.
var insightsNow = time.Date(2026, 6, 17, 12, 0, 0, 0, time.UTC)

// insightsFixture is a crafted community whose every number is known:
//
//	accounts: Acme (USD 100,000, Enterprise, acme.test), Beta (USD 20,000,
//	SMB, beta.test), Euro (EUR 10,000, Enterprise, euro.test; 1 EUR = 1.5
//	USD), Yen (JPY 5,000,000, SMB, yen.test; no rate)
//	members: ann, bob @acme.test; cat @beta.test; dan @euro.test;
//	eve @yen.test; fay @mail.test (no account); gus @acme.test unverified
//	ideas: sso (Acme and Euro linked; ann, bob, fay vote), dark (fay, cat,
//	gus, eve vote), export (category "other"; ann votes), plus a hidden
//	and a merged idea with Acme linked that never count.
type insightsFixture struct {
	db                *gorm.DB
	users             map[string]int64
	sso, dark, export int64
	hidden, merged    int64
	fx                models.FX
	pm                *models.User
}

func newInsightsFixture(t *testing.T) *insightsFixture {
	t.Helper()
	db := openDB(t)
	f := &insightsFixture{db: db, users: map[string]int64{}}
	f.fx = models.FX{Currency: "USD", Rates: map[string]float64{"EUR": 1.5}}
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := db.Exec(sql, args...).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	scan := func(dst any, sql string, args ...any) {
		t.Helper()
		if err := db.Raw(sql, args...).Scan(dst).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	joined := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for _, u := range []struct {
		name, email string
		verified    bool
	}{{"ann", "ann@acme.test", true}, {"bob", "bob@acme.test", true}, {"cat", "cat@beta.test", true},
		{"dan", "dan@euro.test", true}, {"eve", "eve@yen.test", true}, {"fay", "fay@mail.test", true}, {"gus", "gus@acme.test", false}} {
		var id int64
		scan(&id, `INSERT INTO users (name, email, email_verified, created_at) VALUES (?, ?, ?, ?) RETURNING id`, u.name, u.email, u.verified, joined)
		f.users[u.name] = id
	}
	acc := map[string]int64{}
	for _, a := range []struct {
		name, domain, currency, segment string
		arr                             int64
	}{{"Acme", "acme.test", "USD", "Enterprise", 100_000_00}, {"Beta", "beta.test", "USD", "SMB", 20_000_00},
		{"Euro", "euro.test", "EUR", "Enterprise", 10_000_00}, {"Yen", "yen.test", "JPY", "SMB", 5_000_000_00}} {
		var id int64
		scan(&id, `INSERT INTO crm_accounts (name, domains, source, arr_cents, currency, segment) VALUES (?, ARRAY[?::text], 'manual', ?, ?, ?) RETURNING id`,
			a.name, a.domain, a.arr, a.currency, a.segment)
		acc[a.name] = id
	}
	exec(`INSERT INTO categories (slug, name, description) VALUES ('other', 'Other', 'Other things')`)
	idea := func(title, author, category, status, moderation string, created time.Time) int64 {
		t.Helper()
		var id int64
		scan(&id, `INSERT INTO ideas (title, category_id, author_id, status, moderation, created_at)
			VALUES (?, (SELECT id FROM categories WHERE slug = ?), ?, ?, ?, ?) RETURNING id`, title, category, f.users[author], status, moderation, created)
		return id
	}
	f.sso = idea("Single sign-on with SAML", "dan", "general", "planned", "visible", time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC))
	f.dark = idea("Dark mode everywhere please", "fay", "general", "shipped", "visible", time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC))
	f.export = idea("Export reports to spreadsheets", "fay", "other", "planned", "visible", time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC))
	f.hidden = idea("A hidden idea about billing", "ann", "general", "open", "hidden", time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC))
	f.merged = idea("A merged idea about sign-on", "ann", "general", "open", "visible", time.Date(2026, 6, 3, 8, 0, 0, 0, time.UTC))
	exec(`UPDATE ideas SET status = 'merged', merged_into_id = ? WHERE id = ?`, f.sso, f.merged)
	for _, l := range []struct {
		idea    int64
		account string
	}{{f.sso, "Acme"}, {f.sso, "Euro"}, {f.hidden, "Acme"}, {f.merged, "Acme"}} {
		exec(`INSERT INTO idea_accounts (idea_id, account_id) VALUES (?, ?)`, l.idea, acc[l.account])
	}
	vote := func(idea int64, who string, at time.Time) {
		t.Helper()
		exec(`INSERT INTO votes (idea_id, user_id, created_at) VALUES (?, ?, ?)`, idea, f.users[who], at)
	}
	// ann's vote is the last minute of Sunday 7 June, bob's the first of
	// Monday 8 June: two different weeks.
	vote(f.sso, "ann", time.Date(2026, 6, 7, 23, 59, 0, 0, time.UTC))
	vote(f.sso, "bob", time.Date(2026, 6, 8, 0, 1, 0, 0, time.UTC))
	vote(f.sso, "fay", time.Date(2026, 6, 9, 0, 0, 0, 0, time.UTC))
	for _, who := range []string{"fay", "cat", "gus", "eve"} {
		vote(f.dark, who, time.Date(2026, 6, 11, 0, 0, 0, 0, time.UTC))
	}
	vote(f.export, "ann", time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC))
	vote(f.hidden, "ann", time.Date(2026, 6, 9, 0, 0, 0, 0, time.UTC))
	exec(`UPDATE ideas i SET vote_count = (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)`)
	comment := func(idea int64, who, moderation string, staffOnly bool, at time.Time) {
		t.Helper()
		exec(`INSERT INTO comments (idea_id, author_id, body, body_html, moderation, staff_only, created_at) VALUES (?, ?, 'A comment', '<p>A comment</p>', ?, ?, ?)`,
			idea, f.users[who], moderation, staffOnly, at)
	}
	comment(f.sso, "ann", "visible", false, time.Date(2026, 6, 9, 12, 0, 0, 0, time.UTC))
	comment(f.sso, "bob", "visible", true, time.Date(2026, 6, 9, 12, 0, 0, 0, time.UTC))    // staff note: not participation
	comment(f.sso, "bob", "hidden", false, time.Date(2026, 6, 9, 12, 0, 0, 0, time.UTC))    // hidden: not counted
	comment(f.dark, "cat", "visible", false, time.Date(2026, 6, 16, 12, 0, 0, 0, time.UTC)) // this week
	change := func(idea int64, to string, created time.Time, days float64) {
		t.Helper()
		exec(`INSERT INTO idea_status_changes (idea_id, from_status, to_status, created_at) VALUES (?, 'open', ?, ?)`,
			idea, to, created.Add(time.Duration(days*24*float64(time.Hour))))
	}
	// Days to planned: 10, 2, 4 → median 4; to shipped: 5 (and a second,
	// later move to planned that must not count).
	change(f.sso, "planned", time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), 10)
	change(f.dark, "planned", time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC), 2)
	change(f.dark, "shipped", time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC), 5)
	change(f.export, "planned", time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), 4)
	change(f.export, "planned", time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), 30)
	f.pm = &models.User{ID: f.users["dan"], Role: models.RoleProductManager}
	return f
}

func (f *insightsFixture) load(t *testing.T, q models.InsightsQuery) *models.Insights {
	t.Helper()
	filter, err := models.ParseInsightsQuery(ctx, f.db, q, insightsNow)
	if err != nil {
		t.Fatalf("filter %+v: %v", q, err)
	}
	in, err := models.LoadInsights(ctx, f.db, f.pm, f.fx, filter)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestInsightsTopIdeasCountEachAccountOnceConvertAndLeaveOutUnknownCurrencies(t *testing.T) {
	f := newInsightsFixture(t)
	in := f.load(t, models.InsightsQuery{})

	// sso: Acme once (linked and two members voting) 100,000 + Euro
	// 10,000 EUR × 1.5 = 115,000 USD. export: Acme 100,000. dark: Beta
	// 20,000; Yen has no rate and adds nothing, though it is at stake.
	type row struct {
		id             int64
		arr, acc, vote int64
	}
	var got []row
	for _, s := range in.TopARR {
		got = append(got, row{s.Idea.ID, s.Idea.ARRCents, s.Idea.Accounts, s.Idea.Votes})
	}
	want := []row{{f.sso, 115_000_00, 2, 3}, {f.export, 100_000_00, 1, 1}, {f.dark, 20_000_00, 2, 4}}
	if len(got) != len(want) {
		t.Fatalf("top by ARR = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("top by ARR #%d = %+v, want %+v", i+1, got[i], want[i])
		}
	}
	var votes []row
	for _, i := range in.TopVotes {
		votes = append(votes, row{i.ID, i.ARRCents, i.Accounts, i.Votes})
	}
	wantVotes := []row{{f.dark, 20_000_00, 2, 4}, {f.sso, 115_000_00, 2, 3}, {f.export, 100_000_00, 1, 1}}
	if len(votes) != 3 || votes[0] != wantVotes[0] || votes[1] != wantVotes[1] || votes[2] != wantVotes[2] {
		t.Errorf("top by votes = %+v, want %+v", votes, wantVotes)
	}
	if len(in.Gaps) != 1 || in.Gaps[0] != (models.CurrencyGap{Currency: "JPY", Accounts: 1}) {
		t.Errorf("currency gaps = %+v, want JPY×1", in.Gaps)
	}

	// By segment for sso: Enterprise = Acme + Euro, 2 votes (ann, bob),
	// 115,000; fay's vote is from no account.
	sso := in.TopARR[0]
	if len(sso.Shares) != 1 || sso.Shares[0] != (models.SegmentShare{Segment: "Enterprise", Accounts: 2, Votes: 2, ARRCents: 115_000_00}) || sso.OtherVotes != 1 {
		t.Errorf("sso by segment = %+v other %d", sso.Shares, sso.OtherVotes)
	}
	dark := in.TopARR[2]
	if len(dark.Shares) != 1 || dark.Shares[0] != (models.SegmentShare{Segment: "SMB", Accounts: 2, Votes: 2, ARRCents: 20_000_00}) || dark.OtherVotes != 2 {
		t.Errorf("dark by segment = %+v other %d", dark.Shares, dark.OtherVotes)
	}
	if len(in.Segments) != 2 || in.Segments[0] != "Enterprise" || in.Segments[1] != "SMB" {
		t.Errorf("segments = %v", in.Segments)
	}
}

func TestInsightsFiltersPickIdeas(t *testing.T) {
	f := newInsightsFixture(t)
	ids := func(in *models.Insights) (out []int64) {
		for _, i := range in.TopVotes {
			out = append(out, i.ID)
		}
		return out
	}
	same := func(a, b []int64) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	for _, c := range []struct {
		q    models.InsightsQuery
		want []int64
	}{
		{models.InsightsQuery{Category: "other"}, []int64{f.export}},
		{models.InsightsQuery{From: "2026-06-01"}, []int64{f.dark, f.sso}},
		{models.InsightsQuery{From: "2026-06-01", To: "2026-06-09"}, []int64{f.sso}},
		{models.InsightsQuery{To: "2026-05-31"}, []int64{f.export}},
		{models.InsightsQuery{Segment: "SMB"}, []int64{f.dark}},
		{models.InsightsQuery{Segment: "Enterprise"}, []int64{f.sso, f.export}},
		{models.InsightsQuery{Segment: "Enterprise", Category: "general"}, []int64{f.sso}},
	} {
		if got := ids(f.load(t, c.q)); !same(got, c.want) {
			t.Errorf("%+v: ideas %v, want %v", c.q, got, c.want)
		}
	}
	// A segment filter counts only that segment's ARR: export is wanted by
	// Acme (Enterprise) only, so under SMB it is not there at all, and
	// under Enterprise sso keeps both of its accounts.
	smb := f.load(t, models.InsightsQuery{Segment: "SMB"})
	if len(smb.TopARR) != 1 || smb.TopARR[0].Idea.ARRCents != 20_000_00 || smb.TopARR[0].Idea.Accounts != 2 {
		t.Errorf("SMB top by ARR = %+v", smb.TopARR)
	}
}

func TestInsightsFilterValidation(t *testing.T) {
	f := newInsightsFixture(t)
	for _, c := range []struct {
		q     models.InsightsQuery
		field string
	}{
		{models.InsightsQuery{From: "yesterday"}, "from"},
		{models.InsightsQuery{To: "2026-02-30"}, "to"},
		{models.InsightsQuery{From: "2026-06-10", To: "2026-06-01"}, "to"},
		{models.InsightsQuery{From: "2020-01-01", To: "2026-06-01"}, "from"},
		{models.InsightsQuery{To: "9999-12-31"}, "to"},
		{models.InsightsQuery{Category: "nope"}, "category"},
		{models.InsightsQuery{Category: `"' OR 1=1 --`}, "category"},
		{models.InsightsQuery{Segment: "Unknown"}, "segment"},
	} {
		_, err := models.ParseInsightsQuery(ctx, f.db, c.q, insightsNow)
		var v *models.ValidationError
		if !errors.As(err, &v) || v.Fields[c.field] == "" {
			t.Errorf("%+v: err %v, want a message on %s", c.q, err, c.field)
		}
	}
}

func TestInsightsWeeklyBucketsStatusAndMedians(t *testing.T) {
	f := newInsightsFixture(t)
	in := f.load(t, models.InsightsQuery{})
	if len(in.Weekly) != 26 {
		t.Fatalf("%d weeks, want 26", len(in.Weekly))
	}
	first, last := in.Weekly[0].Week, in.Weekly[25].Week
	if want := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC); !last.Equal(want) || !first.Equal(want.AddDate(0, 0, -7*25)) {
		t.Errorf("weeks %s … %s", first, last)
	}
	byWeek := map[string]models.WeekActivity{}
	for _, w := range in.Weekly {
		byWeek[w.Week.Format("2006-01-02")] = w
	}
	for week, want := range map[string][3]int64{
		"2026-04-27": {1, 1, 0}, // export posted Fri 1 May, ann's vote Sat 2 May
		"2026-06-01": {1, 1, 0}, // sso; ann's Sunday-night vote
		"2026-06-08": {1, 6, 1}, // dark; bob, fay (sso) and four on dark; ann's comment
		"2026-06-15": {0, 0, 1}, // cat's comment
		"2026-05-04": {0, 0, 0},
	} {
		w := byWeek[week]
		if got := [3]int64{w.Ideas, w.Votes, w.Comments}; got != want {
			t.Errorf("week %s = %v, want %v", week, got, want)
		}
	}
	status := map[string]int64{}
	for _, s := range in.Statuses {
		status[s.Status] = s.Ideas
	}
	if status["planned"] != 2 || status["shipped"] != 1 || status["open"] != 0 || len(in.Statuses) != 6 {
		t.Errorf("statuses = %+v", in.Statuses)
	}
	c := in.Cycle
	if c.ToPlanned == nil || math.Abs(*c.ToPlanned-4) > 1e-9 || c.Planned != 3 || c.ToShipped == nil || math.Abs(*c.ToShipped-5) > 1e-9 || c.Shipped != 1 {
		t.Errorf("cycle = %+v (to planned %v, to shipped %v)", c, deref(c.ToPlanned), deref(c.ToShipped))
	}
	// A range with no status change has no median, not zero.
	if in := f.load(t, models.InsightsQuery{Category: "other", From: "2026-06-01"}); in.Cycle.ToPlanned != nil || in.Cycle.Planned != 0 {
		t.Errorf("empty cycle = %+v", in.Cycle)
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func TestInsightsConcentrationOnTheFixture(t *testing.T) {
	f := newInsightsFixture(t)
	c := f.load(t, models.InsightsQuery{}).Concentration
	// 7 members. Activity on the three ideas: ideas dan 1, fay 2; votes
	// ann 2, bob 1, fay 2, cat 1, gus 1, eve 1; comments ann 1, cat 1.
	// Totals: fay 4, ann 3, cat 2, bob 1, dan 1, eve 1, gus 1 = 13.
	if c.Members != 7 || c.Ideas != 3 || c.Votes != 8 || c.Comments != 2 {
		t.Fatalf("counts = %+v", c.ConcentrationCounts)
	}
	// Top 1% and top 10% are one member each (ceil): fay.
	if c.Top1Members != 1 || c.Top10Members != 1 || c.Top1Ideas != 2 || c.Top1Votes != 2 || c.Top1Comments != 0 {
		t.Errorf("top = %+v", c.ConcentrationCounts)
	}
	// Sorted ascending 1,1,1,1,2,3,4: G = 2·Σ i·x / (n·Σx) − (n+1)/n.
	x := []float64{1, 1, 1, 1, 2, 3, 4}
	var num, sum float64
	for i, v := range x {
		num += float64(i+1) * v
		sum += v
	}
	want := 2*num/(7*sum) - 8.0/7
	if math.Abs(c.Gini-want) > 1e-9 {
		t.Errorf("gini = %v, want %v", c.Gini, want)
	}
	if n := len(c.Lorenz); n != 8 || c.Lorenz[0] != (models.LorenzPoint{}) || math.Abs(c.Lorenz[n-1].Population-1) > 1e-9 || math.Abs(c.Lorenz[n-1].Activity-1) > 1e-9 {
		t.Errorf("lorenz = %+v", c.Lorenz)
	}
	if math.Abs(c.Lorenz[4].Activity-4.0/13) > 1e-9 {
		t.Errorf("lorenz at 4/7 = %+v, want 4/13", c.Lorenz[4])
	}
}

func TestInsightsGiniOfKnownDistributions(t *testing.T) {
	for _, c := range []struct {
		name  string
		ideas []int // ideas posted by each of ten members
		gini  float64
	}{
		{"equal", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0},
		{"one does all", []int{10, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0.9}, // 1 − 1/n
		{"half do all", []int{2, 2, 2, 2, 2, 0, 0, 0, 0, 0}, 0.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := openDB(t)
			var others int64
			db.Raw(`SELECT count(*) FROM users`).Scan(&others)
			if others != 0 {
				t.Fatalf("the test database starts with %d users", others)
			}
			for i, n := range c.ideas {
				var uid int64
				if err := db.Raw(`INSERT INTO users (name, created_at) VALUES (?, '2026-01-01') RETURNING id`, "m"+strconv.Itoa(i)).Scan(&uid).Error; err != nil {
					t.Fatal(err)
				}
				for j := 0; j < n; j++ {
					if err := db.Exec(`INSERT INTO ideas (title, category_id, author_id, created_at)
						VALUES (?, (SELECT id FROM categories WHERE slug = 'general'), ?, '2026-06-01')`, "Idea number "+strconv.Itoa(i)+"-"+strconv.Itoa(j), uid).Error; err != nil {
						t.Fatal(err)
					}
				}
			}
			filter, err := models.ParseInsightsQuery(ctx, db, models.InsightsQuery{}, insightsNow)
			if err != nil {
				t.Fatal(err)
			}
			in, err := models.LoadInsights(ctx, db, &models.User{Role: models.RoleAdmin}, models.FX{Currency: "USD"}, filter)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(in.Concentration.Gini-c.gini) > 1e-9 {
				t.Errorf("gini = %v, want %v", in.Concentration.Gini, c.gini)
			}
		})
	}
}

func TestInsightsTableQuotesEveryChart(t *testing.T) {
	f := newInsightsFixture(t)
	in := f.load(t, models.InsightsQuery{})
	for _, name := range models.InsightsCharts {
		tb, ok := in.Table(name)
		if !ok || len(tb.Header) == 0 || len(tb.Rows) == 0 {
			t.Errorf("chart %s: ok %v table %+v", name, ok, tb)
		}
		for _, r := range tb.Rows {
			if len(r) != len(tb.Header) {
				t.Errorf("chart %s: row %v has %d cells, header %d", name, r, len(r), len(tb.Header))
			}
		}
	}
	if _, ok := in.Table("users"); ok {
		t.Error("an unknown chart name has a table")
	}
	tb, _ := in.Table("top_arr")
	if tb.Rows[0][2] != "115000.00" || tb.Header[2] != "arr_USD" {
		t.Errorf("top_arr first row %v header %v", tb.Rows[0], tb.Header)
	}
	if _, err := models.LoadInsights(ctx, f.db, &models.User{Role: models.RoleModerator}, f.fx, in.Filter); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("a moderator loads insights: %v", err)
	}
}
