package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// The demo's customers: a dozen accounts in three segments (one billed in
// EUR), their open and closed deals, a few contacts who signed in with their
// company address, staff links for some of the example.com members, idea
// links and votes the product manager cast on customers' behalf, so the
// Demand panel and the CRM sorts have something to show on first start.
// Loaded once, recognised by the first demo account.

var demoAccounts = []struct {
	Ext, Name, Domain, Currency, Segment, Lifecycle, Owner string
	ARR                                                    int64 // whole units of Currency
	RenewalDays                                            int
}{
	{"demo-01", "Globex Corporation", "globex.test", "USD", "Enterprise", LifecycleCustomer, "Priya Product", 1_200_000, 120},
	{"demo-02", "Northwind Traders", "northwind.test", "USD", "Enterprise", LifecycleCustomer, "Priya Product", 480_000, 45},
	{"demo-03", "Contoso Ltd", "contoso.test", "USD", "Enterprise", LifecycleCustomer, "Priya Product", 350_000, 200},
	{"demo-04", "Umbrella GmbH", "umbrella.test", "EUR", "Enterprise", LifecycleCustomer, "Priya Product", 300_000, 90},
	{"demo-05", "Initech", "initech.test", "USD", "Enterprise", LifecycleCustomer, "Priya Product", 260_000, 20},
	{"demo-06", "Stark Logistics", "stark.test", "USD", "Mid-market", LifecycleCustomer, "Ada Admin", 120_000, 150},
	{"demo-07", "Hooli", "hooli.test", "USD", "Mid-market", LifecycleCustomer, "Ada Admin", 95_000, 60},
	{"demo-08", "Wayne Retail", "wayne.test", "USD", "Mid-market", LifecycleProspect, "Ada Admin", 80_000, 0},
	{"demo-09", "Acme Analytics", "acme.test", "USD", "Mid-market", LifecycleCustomer, "Ada Admin", 60_000, 300},
	{"demo-10", "Pied Piper", "piedpiper.test", "USD", "SMB", LifecycleCustomer, "", 18_000, 75},
	{"demo-11", "Bluth Bakery", "bluth.test", "USD", "SMB", LifecycleCustomer, "", 12_000, 30},
	{"demo-12", "Vandelay Imports", "vandelay.test", "USD", "SMB", LifecycleChurned, "", 9_000, 0},
}

var demoOpportunities = []struct {
	Ext, Account, Name, Stage, State string
	Amount                           int64
	CloseDays                        int
}{
	{"demo-o1", "demo-01", "Globex: 500 more seats", "Negotiation", OpportunityOpen, 400_000, 40},
	{"demo-o2", "demo-01", "Globex renewal 2026", "Closed won", OpportunityWon, 1_200_000, -200},
	{"demo-o3", "demo-02", "Northwind EMEA rollout", "Proposal", OpportunityOpen, 150_000, 60},
	{"demo-o4", "demo-04", "Umbrella analytics add-on", "Discovery", OpportunityOpen, 60_000, 90},
	{"demo-o5", "demo-05", "Initech renewal", "Renewal", OpportunityOpen, 260_000, 20},
	{"demo-o6", "demo-08", "Wayne Retail first contract", "Evaluation", OpportunityOpen, 80_000, 45},
	{"demo-o7", "demo-07", "Hooli SSO upgrade", "Closed lost", OpportunityLost, 30_000, -30},
}

// demoContacts signed in with their company address, so their domain puts
// them in its account; each votes for the ideas listed (by title prefix).
var demoContacts = []struct {
	Name, Email string
	Votes       []string
}{
	{"Olivia Novak", "olivia@northwind.test", []string{"Two-way Salesforce sync", "Dashboards take more", "Stream the audit log"}},
	{"Kenji Mori", "kenji@globex.test", []string{"Stream the audit log", "Let admins restrict", "Two-way Salesforce sync"}},
	{"Fatima Zahra", "fatima@contoso.test", []string{"Dashboards take more", "Pivot tables", "Let admins restrict"}},
	{"Lars Berg", "lars@umbrella.test", []string{"Stream the audit log", "Bulk edit"}},
	{"Ben Carter", "ben@hooli.test", []string{"Offline mode in the Android", "Slack notifications"}},
	{"Chloe Martin", "chloe@bluth.test", []string{"Remember my last used filters"}},
}

// demoMemberLinks put example.com members in accounts by staff link.
var demoMemberLinks = map[string]string{"nadia": "demo-05", "tomas": "demo-06", "meilin": "demo-01", "sam": "demo-07", "grace": "demo-10"}

var demoLinks = []struct {
	Idea, Account, Importance, Note, Opportunity string
}{
	{"Two-way Salesforce sync", "demo-01", ImportanceCritical, "Part of the seat expansion: their RevOps team lives in Salesforce.", "demo-o1"},
	{"Two-way Salesforce sync", "demo-04", ImportanceImportant, "Asked in the quarterly review.", ""},
	{"Stream the audit log", "demo-03", ImportanceCritical, "Security review blocks the renewal without it.", ""},
	{"Stream the audit log", "demo-05", ImportanceImportant, "Their SOC 2 auditor asked for it.", "demo-o5"},
	{"Dashboards take more", "demo-02", ImportanceCritical, "Executives gave up on the Monday dashboard.", "demo-o3"},
	{"Let admins restrict", "demo-08", ImportanceCritical, "Needed before they sign.", "demo-o6"},
	{"Offline mode in the Android", "demo-06", ImportanceImportant, "Drivers lose signal on routes.", ""},
	{"Pivot tables", "demo-09", ImportanceNiceToHave, "", ""},
	{"Slack notifications", "demo-07", ImportanceNiceToHave, "", ""},
	{"Custom fiscal year start", "demo-12", ImportanceImportant, "One of the reasons they left.", ""},
}

// demoProxyVotes are votes the product manager cast for contacts who told
// sales, not the community.
var demoProxyVotes = []struct{ Idea, Email, Name string }{
	{"Let admins restrict", "dana@wayne.test", "Dana Wayne"},
	{"Stream the audit log", "erik@umbrella.test", "Erik Vogel"},
	{"Two-way Salesforce sync", "erik@umbrella.test", "Erik Vogel"},
	{"Pivot tables", "pat@piedpiper.test", "Pat Hendricks"},
}

// seedDemoCRM loads the demo's customers once, after the community.
func seedDemoCRM(ctx context.Context, tx *gorm.DB) error {
	var loaded bool
	if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM crm_accounts WHERE source = ? AND external_id = ?)`,
		SourceCSV, demoAccounts[0].Ext).Scan(&loaded).Error; err != nil || loaded {
		return err
	}
	var now time.Time
	if err := tx.Raw(`SELECT now()`).Scan(&now).Error; err != nil {
		return err
	}
	day := 24 * time.Hour
	accounts := map[string]int64{}
	for _, a := range demoAccounts {
		in := AccountInput{ExternalID: a.Ext, Name: a.Name, Domains: []string{a.Domain}, ARRCents: a.ARR * 100,
			Currency: a.Currency, Segment: a.Segment, Lifecycle: a.Lifecycle, OwnerName: a.Owner}
		if a.RenewalDays > 0 {
			r := now.Add(time.Duration(a.RenewalDays) * day).Truncate(day)
			in.RenewalDate = &r
		}
		if err := in.Validate(SourceCSV); err != nil {
			return fmt.Errorf("demo account %s: %w", a.Name, err)
		}
		id, _, err := UpsertAccount(tx, SourceCSV, in)
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.Name, err)
		}
		accounts[a.Ext] = id
	}
	opps := map[string]int64{}
	for _, o := range demoOpportunities {
		closes := now.Add(time.Duration(o.CloseDays) * day).Truncate(day)
		id, _, err := UpsertOpportunity(tx, SourceCSV, OpportunityInput{ExternalID: o.Ext, AccountExternalID: o.Account,
			Name: o.Name, AmountCents: o.Amount * 100, Stage: o.Stage, CloseDate: &closes, State: o.State})
		if err != nil {
			return fmt.Errorf("demo opportunity %s: %w", o.Name, err)
		}
		opps[o.Ext] = id
	}
	ideaID := func(prefix string) (int64, error) {
		var ids []int64
		err := tx.Raw(`SELECT id FROM ideas WHERE starts_with(title, ?) ORDER BY id LIMIT 1`, prefix).Scan(&ids).Error
		if err == nil && len(ids) == 0 {
			err = fmt.Errorf("no demo idea starts with %q", prefix)
		}
		if err != nil {
			return 0, err
		}
		return ids[0], nil
	}
	for _, c := range demoContacts {
		u, err := DevSignIn(ctx, tx, c.Email, c.Name, nil)
		if err != nil {
			return fmt.Errorf("demo contact %s: %w", c.Email, err)
		}
		for _, title := range c.Votes {
			id, err := ideaID(title)
			if err != nil {
				return err
			}
			if _, err := Vote(ctx, tx, u, id); err != nil {
				return fmt.Errorf("demo contact %s votes for %q: %w", c.Email, title, err)
			}
		}
	}
	for local, ext := range demoMemberLinks {
		if err := tx.Exec(`INSERT INTO crm_account_members (user_id, account_id, linked_by)
			SELECT u.id, ?, (SELECT id FROM users WHERE lower(email) = 'pm@example.com')
			FROM users u WHERE lower(u.email) = lower(?) ON CONFLICT (user_id) DO NOTHING`,
			accounts[ext], local+"@example.com").Error; err != nil {
			return err
		}
	}
	var pm User
	if err := tx.Where("lower(email) = 'pm@example.com'").Take(&pm).Error; err != nil {
		return fmt.Errorf("demo product manager: %w", err)
	}
	for _, l := range demoLinks {
		id, err := ideaID(l.Idea)
		if err != nil {
			return err
		}
		in := LinkInput{Importance: l.Importance, Note: l.Note}
		if l.Opportunity != "" {
			o := opps[l.Opportunity]
			in.OpportunityID = &o
		}
		if _, _, err := LinkIdeaAccount(ctx, tx, &pm, id, accounts[l.Account], in); err != nil {
			return fmt.Errorf("demo link %q: %w", l.Idea, err)
		}
	}
	for _, p := range demoProxyVotes {
		id, err := ideaID(p.Idea)
		if err != nil {
			return err
		}
		if _, err := CastProxyVote(ctx, tx, &pm, id, ProxyVoteInput{Email: p.Email, Name: p.Name}); err != nil {
			return fmt.Errorf("demo proxy vote for %s: %w", p.Email, err)
		}
	}
	return nil
}
