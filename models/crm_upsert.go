package models

import (
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// AccountInput is an account as a source delivers it. Field names in its
// validation errors are the CSV header names, so an import can report
// line, column and message.
type AccountInput struct {
	ExternalID  string
	Name        string
	Domains     []string
	ARRCents    int64
	Currency    string
	Segment     string
	Lifecycle   string
	OwnerName   string
	OwnerEmail  string
	RenewalDate *time.Time
}

// Outcome says what an upsert did.
type Outcome int

const (
	Unchanged Outcome = iota
	Created
	Updated
)

// Validate normalises in (domains, currency, lifecycle default) and reports
// every invalid field.
func (in *AccountInput) Validate(source string) error {
	v := &ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if source != SourceManual && in.ExternalID == "" {
		v.Add("external_id", "An external id is required.")
	} else if utf8.RuneCountInString(in.ExternalID) > 200 {
		v.Add("external_id", "At most 200 characters.")
	}
	if in.Name == "" {
		v.Add("name", "A name is required.")
	} else if utf8.RuneCountInString(in.Name) > 200 {
		v.Add("name", "At most 200 characters.")
	}
	domains, msg := checkDomains(in.Domains)
	if msg != "" {
		v.Add("domains", msg)
	}
	in.Domains = domains
	if in.ARRCents < 0 {
		v.Add("arr", "ARR cannot be negative.")
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = "USD"
	}
	if len(in.Currency) != 3 || strings.Trim(in.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		v.Add("currency", "Use a three-letter ISO currency code such as USD.")
	}
	in.Lifecycle = strings.ToLower(strings.TrimSpace(in.Lifecycle))
	if in.Lifecycle == "" {
		in.Lifecycle = LifecycleCustomer
	}
	if !slices.Contains(Lifecycles, in.Lifecycle) {
		v.Add("lifecycle", "Lifecycle must be one of "+strings.Join(Lifecycles, ", ")+".")
	}
	in.Segment = strings.TrimSpace(in.Segment)
	if utf8.RuneCountInString(in.Segment) > 100 {
		v.Add("segment", "At most 100 characters.")
	}
	in.OwnerName = strings.TrimSpace(in.OwnerName)
	if utf8.RuneCountInString(in.OwnerName) > 200 {
		v.Add("owner_name", "At most 200 characters.")
	}
	in.OwnerEmail = strings.TrimSpace(in.OwnerEmail)
	if in.OwnerEmail != "" {
		if a, err := mail.ParseAddress(in.OwnerEmail); err != nil || a.Address != in.OwnerEmail || len(in.OwnerEmail) > 254 {
			v.Add("owner_email", "Not an email address.")
		}
	}
	return v.Err()
}

// DomainOwner returns the name of an account other than exceptID that
// already has one of domains, and that domain; "" when there is none.
func DomainOwner(tx *gorm.DB, domains []string, exceptID int64) (domain, account string, err error) {
	if len(domains) == 0 {
		return "", "", nil
	}
	var row struct{ Domain, Name string }
	err = tx.Raw(`SELECT d.domain, a.name FROM crm_account_domains d JOIN crm_accounts a ON a.id = d.account_id
		WHERE d.domain = ANY (CAST(? AS text[])) AND d.account_id <> ? ORDER BY d.domain LIMIT 1`,
		Tags(domains), exceptID).Scan(&row).Error
	return row.Domain, row.Name, err
}

// domainTaken turns the database's refusal of a domain (two writers racing)
// into the same validation error a prior check gives.
func domainTaken(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == "crm_account_domains_pkey" {
		return &ValidationError{Fields: map[string]string{"domains": "A domain already belongs to another account."}}
	}
	return err
}

// UpsertAccount creates or updates the account that source knows by
// in.ExternalID, inside the caller's transaction. A row that would not
// change is left alone (Unchanged), so importing one file twice changes
// nothing. in must have been validated.
func UpsertAccount(tx *gorm.DB, source string, in AccountInput) (int64, Outcome, error) {
	var existing struct{ ID int64 }
	if err := tx.Raw(`SELECT id FROM crm_accounts WHERE source = ? AND external_id = ?`, source, in.ExternalID).Scan(&existing).Error; err != nil {
		return 0, Unchanged, err
	}
	if d, name, err := DomainOwner(tx, in.Domains, existing.ID); err != nil {
		return 0, Unchanged, err
	} else if d != "" {
		return 0, Unchanged, &ValidationError{Fields: map[string]string{"domains": d + " already belongs to " + name + "."}}
	}
	var res []struct {
		ID       int64
		Inserted bool
	}
	err := tx.Raw(`INSERT INTO crm_accounts AS a (name, domains, source, external_id, arr_cents, currency, segment,
			lifecycle, owner_name, owner_email, renewal_date, synced_at)
		VALUES (?, CAST(? AS text[]), ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS date), now())
		ON CONFLICT (source, external_id) DO UPDATE SET name = EXCLUDED.name, domains = EXCLUDED.domains,
			arr_cents = EXCLUDED.arr_cents, currency = EXCLUDED.currency, segment = EXCLUDED.segment,
			lifecycle = EXCLUDED.lifecycle, owner_name = EXCLUDED.owner_name, owner_email = EXCLUDED.owner_email,
			renewal_date = EXCLUDED.renewal_date, synced_at = now(), updated_at = now()
		WHERE (a.name, a.domains, a.arr_cents, a.currency, a.segment, a.lifecycle, a.owner_name, a.owner_email, a.renewal_date)
			IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.domains, EXCLUDED.arr_cents, EXCLUDED.currency, EXCLUDED.segment,
			EXCLUDED.lifecycle, EXCLUDED.owner_name, EXCLUDED.owner_email, EXCLUDED.renewal_date)
		RETURNING a.id, (a.xmax = 0) AS inserted`,
		in.Name, Tags(in.Domains), source, in.ExternalID, in.ARRCents, in.Currency, in.Segment,
		in.Lifecycle, in.OwnerName, in.OwnerEmail, in.RenewalDate).Scan(&res).Error
	switch {
	case err != nil:
		return 0, Unchanged, domainTaken(err)
	case len(res) == 0:
		return existing.ID, Unchanged, nil
	case res[0].Inserted:
		return res[0].ID, Created, nil
	default:
		return res[0].ID, Updated, nil
	}
}

// OpportunityInput is a deal as a source delivers it, naming its account by
// the same source's external id.
type OpportunityInput struct {
	ExternalID        string
	AccountExternalID string
	Name              string
	AmountCents       int64
	Stage             string
	CloseDate         *time.Time
	State             string
}

// UpsertOpportunity creates or updates the deal source knows by
// in.ExternalID; like UpsertAccount it leaves an unchanged row alone.
func UpsertOpportunity(tx *gorm.DB, source string, in OpportunityInput) (int64, Outcome, error) {
	v := &ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	if strings.TrimSpace(in.ExternalID) == "" {
		v.Add("external_id", "An external id is required.")
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 300 {
		v.Add("name", "A name of 1 to 300 characters is required.")
	}
	if in.AmountCents < 0 {
		v.Add("amount", "The amount cannot be negative.")
	}
	if !slices.Contains([]string{OpportunityOpen, OpportunityWon, OpportunityLost}, in.State) {
		v.Add("state", "State must be open, won or lost.")
	}
	if utf8.RuneCountInString(in.Stage) > 100 {
		in.Stage = string([]rune(in.Stage)[:100])
	}
	var account struct{ ID int64 }
	if err := tx.Raw(`SELECT id FROM crm_accounts WHERE source = ? AND external_id = ?`, source, in.AccountExternalID).Scan(&account).Error; err != nil {
		return 0, Unchanged, err
	}
	if account.ID == 0 {
		v.Add("account", "No account "+in.AccountExternalID+" from "+source+".")
	}
	if err := v.Err(); err != nil {
		return 0, Unchanged, err
	}
	var res []struct {
		ID       int64
		Inserted bool
	}
	err := tx.Raw(`INSERT INTO crm_opportunities AS o (account_id, source, external_id, name, amount_cents, stage, close_date, state, synced_at)
		VALUES (?, ?, ?, ?, ?, ?, CAST(? AS date), ?, now())
		ON CONFLICT (source, external_id) DO UPDATE SET account_id = EXCLUDED.account_id, name = EXCLUDED.name,
			amount_cents = EXCLUDED.amount_cents, stage = EXCLUDED.stage, close_date = EXCLUDED.close_date,
			state = EXCLUDED.state, synced_at = now(), updated_at = now()
		WHERE (o.account_id, o.name, o.amount_cents, o.stage, o.close_date, o.state)
			IS DISTINCT FROM (EXCLUDED.account_id, EXCLUDED.name, EXCLUDED.amount_cents, EXCLUDED.stage, EXCLUDED.close_date, EXCLUDED.state)
		RETURNING o.id, (o.xmax = 0) AS inserted`,
		account.ID, source, in.ExternalID, in.Name, in.AmountCents, in.Stage, in.CloseDate, in.State).Scan(&res).Error
	switch {
	case err != nil:
		return 0, Unchanged, err
	case len(res) == 0:
		var id int64
		err := tx.Raw(`SELECT id FROM crm_opportunities WHERE source = ? AND external_id = ?`, source, in.ExternalID).Scan(&id).Error
		return id, Unchanged, err
	case res[0].Inserted:
		return res[0].ID, Created, nil
	default:
		return res[0].ID, Updated, nil
	}
}
