package models_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/models"
)

// manyAccounts adds n accounts in three currencies (GBP has no rate in
// the tests' FX), three segments and three lifecycles, with many equal
// amounts so that ties decide much of the order, and analyses the table.
func manyAccounts(t *testing.T, db *gorm.DB, n int) {
	t.Helper()
	err := db.Exec(`INSERT INTO crm_accounts (name, source, external_id, arr_cents, currency, segment, lifecycle)
		SELECT 'Bulk ' || g, 'csv', 'bulk-' || g, (g * 7 % 300) * 1000,
			(ARRAY['USD', 'EUR', 'GBP'])[1 + g % 3], (ARRAY['SMB', 'Mid-market', 'Enterprise'])[1 + g / 3 % 3],
			(ARRAY['prospect', 'customer', 'churned'])[1 + g % 5 % 3]
		FROM generate_series(1, ?) g`, n).Error
	if err == nil {
		err = db.Exec(`ANALYZE crm_accounts`).Error
	}
	if err != nil {
		t.Fatal(err)
	}
}

// The staff accounts list ordered by ARR reads what its page needs, not
// every account: its statements, as the app runs them on a table of 3,000
// accounts, read at most the page's reach from each currency (the list),
// CountCap+1 rows (the capped count) and one row per segment (the segment
// filter's choices). Sorting every account by converted ARR, counting every
// account and DISTINCT over every account each read all 3,000. (A search
// sorts only its matches, which the trigram index finds.)
func TestAccountsByARRReadOnlyTheirPage(t *testing.T) {
	base := openDB(t)
	db, rec := recorded(base)
	const n = 3000
	manyAccounts(t, base, n)
	fx, err := models.ParseFX("USD", "EUR=1.10")
	if err != nil {
		t.Fatal(err)
	}
	rec.take()
	for _, c := range []struct {
		q models.AccountQuery
		// spread is how many accounts there are per match: a filtered
		// list reads that many more to fill its reach.
		spread float64
	}{
		{models.AccountQuery{Sort: "arr", Page: models.NewPage(1, 25)}, 1},
		{models.AccountQuery{Sort: "arr", Page: models.NewPage(3, 25)}, 1},
		{models.AccountQuery{Sort: "arr", Segment: "SMB", Page: models.NewPage(1, 25)}, 3},
		{models.AccountQuery{Sort: "arr", Lifecycle: "churned", Page: models.NewPage(2, 25)}, 5},
	} {
		q := c.q
		if _, err := models.Segments(ctx, db); err != nil {
			t.Fatal(err)
		}
		if _, err := models.ListAccounts(ctx, db, fx, q); err != nil {
			t.Fatal(err)
		}
		// Each currency's reach (a little more for rows a filter drops
		// unevenly), and the currencies' skip scan: one probe each and one
		// past the last.
		reach := float64(q.Page.Offset()+q.Page.PerPage+1)*3*c.spread*1.2 + 4
		for _, st := range statementsOf(rec.take()) {
			limit := reach
			switch {
			case strings.Contains(st.sql, "count(*) FROM (SELECT 1 FROM crm_accounts"):
				limit = (models.CountCap + 1) * c.spread
			case strings.Contains(st.sql, "segment FROM crm_accounts"):
				limit = 4
			}
			if read := crmAccountRowsRead(t, base, st.sql); read > limit {
				t.Errorf("%+v: read %.0f rows of %d accounts, want at most %.0f:\n%s", q, read, n, limit, st.sql)
			}
		}
	}
}

// crmAccountRowsRead runs EXPLAIN ANALYZE of sql and adds up the rows its
// nodes read from crm_accounts, those a filter threw away included.
func crmAccountRowsRead(t *testing.T, db *gorm.DB, sql string) float64 {
	t.Helper()
	var out string
	if err := db.Raw(`EXPLAIN (ANALYZE, FORMAT JSON) ` + sql).Row().Scan(&out); err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(out), &plans); err != nil {
		t.Fatal(err)
	}
	read := 0.0
	plans[0].Plan.walk(func(n planNode) {
		if n.Relation == "crm_accounts" {
			read += (n.ActualRows + n.RemovedByFilter) * n.ActualLoops
		}
	})
	return read
}

// Merging each currency's top rows gives exactly the order of sorting every
// account by ARR in the reporting currency (accounts without a rate last;
// equal amounts the larger in its own currency, then the newer account,
// first), on every page, filtered or not; and the total is exact on the
// last page and capped ("1,000+") before it.
func TestAccountsByARRPagesFollowTheConvertedOrder(t *testing.T) {
	db := openDB(t)
	const n = 1200
	manyAccounts(t, db, n)
	fx, err := models.ParseFX("USD", "EUR=1.10")
	if err != nil {
		t.Fatal(err)
	}
	for _, filter := range []models.AccountQuery{{}, {Segment: "Enterprise"}, {Lifecycle: "prospect", Q: "bulk 1"}} {
		var all []struct {
			ID       int64
			ARRCents int64
			Currency string
		}
		cond, args := "true", []any{}
		if filter.Segment != "" {
			cond, args = "segment = ?", append(args, filter.Segment)
		}
		if filter.Lifecycle != "" {
			cond, args = "lifecycle = ? AND lower(name) LIKE '%bulk 1%'", append(args, filter.Lifecycle)
		}
		if err := db.Raw(`SELECT id, arr_cents, currency FROM crm_accounts WHERE `+cond, args...).Scan(&all).Error; err != nil {
			t.Fatal(err)
		}
		type key struct {
			conv    int64
			rated   bool
			arr, id int64
		}
		want := make([]key, len(all))
		for i, a := range all {
			c, ok := fx.Convert(a.ARRCents, a.Currency)
			want[i] = key{conv: c, rated: ok, arr: a.ARRCents, id: a.ID}
		}
		slices.SortFunc(want, func(a, b key) int {
			switch {
			case a.rated != b.rated:
				return map[bool]int{true: -1, false: 1}[a.rated]
			case a.conv != b.conv:
				return map[bool]int{true: -1, false: 1}[a.conv > b.conv]
			case a.arr != b.arr:
				return map[bool]int{true: -1, false: 1}[a.arr > b.arr]
			}
			return map[bool]int{true: -1, false: 1}[a.id > b.id]
		})
		var got []int64
		for page := 1; ; page++ {
			q := filter
			q.Sort, q.Page = "arr", models.NewPage(page, 100)
			p, err := models.ListAccounts(ctx, db, fx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range p.Accounts {
				got = append(got, a.ID)
				if c, ok := fx.Convert(a.ARRCents, a.Currency); ok != (a.ARRConverted != nil) || ok && *a.ARRConverted != c {
					t.Fatalf("%+v: account %d converted %v, want %d (%v)", filter, a.ID, a.ARRConverted, c, ok)
				}
			}
			more := len(want) > page*100
			if p.Page.HasNext() != more {
				t.Fatalf("%+v page %d: next %v, want %v", filter, page, p.Page.HasNext(), more)
			}
			wantTotal, capped := int64(len(want)), false
			if more && len(want) > models.CountCap {
				wantTotal, capped = models.CountCap, true
			}
			if p.Page.Total != wantTotal || p.Page.Capped != capped {
				t.Fatalf("%+v page %d: total %d capped %v, want %d %v", filter, page, p.Page.Total, p.Page.Capped, wantTotal, capped)
			}
			if !more {
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%+v: listed %d accounts, want %d", filter, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i].id {
				t.Fatalf("%+v: position %d is account %d, want %d", filter, i, got[i], want[i].id)
			}
		}
	}
}
