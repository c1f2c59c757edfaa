package models_test

import (
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// Ordered by ideas, the accounts list reads the insights rollup while it is
// fresh: right after a rebuild it equals the live counts, a new link shows
// after the next rebuild, and with a stale snapshot the count is live.
func TestAccountsByIdeasReadTheRollupWhileFresh(t *testing.T) {
	f := newInsightsFixture(t)
	counts := func(sort string) map[string]int64 {
		t.Helper()
		p, err := models.ListAccounts(ctx, f.db, f.fx, models.AccountQuery{Sort: sort, Page: models.NewPage(1, 10)})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, a := range p.Accounts {
			out[a.Name] = a.Ideas
		}
		return out
	}
	live := counts("name") // the page's own counts, always live
	f.refresh(t, f.fx)
	if got := counts("ideas"); len(got) != 4 || got["Acme"] != live["Acme"] || got["Beta"] != live["Beta"] || got["Euro"] != live["Euro"] || got["Yen"] != live["Yen"] {
		t.Fatalf("by ideas after a rebuild = %v, live = %v", got, live)
	}
	if err := f.db.Exec(`INSERT INTO idea_accounts (idea_id, account_id) SELECT ?, id FROM crm_accounts WHERE name = 'Beta'`, f.export).Error; err != nil {
		t.Fatal(err)
	}
	if got := counts("ideas")["Beta"]; got != live["Beta"] {
		t.Errorf("Beta by ideas before the next rebuild = %d, want the rollup's %d", got, live["Beta"])
	}
	f.refresh(t, f.fx)
	if got := counts("ideas")["Beta"]; got != live["Beta"]+1 {
		t.Errorf("Beta by ideas after the next rebuild = %d, want %d", got, live["Beta"]+1)
	}
	if err := f.db.Exec(`INSERT INTO idea_accounts (idea_id, account_id) SELECT ?, id FROM crm_accounts WHERE name = 'Yen'`, f.export).Error; err != nil {
		t.Fatal(err)
	}
	if err := f.db.Exec(`UPDATE insights_snapshot SET computed_at = now() - interval '1 hour'`).Error; err != nil {
		t.Fatal(err)
	}
	if got := counts("ideas")["Yen"]; got != live["Yen"]+1 {
		t.Errorf("Yen by ideas with a stale snapshot = %d, want the live %d", got, live["Yen"]+1)
	}
}
