package models

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// AccountSorts maps each account list order to its ORDER BY; user text
// never reaches SQL. ARR compares in the reporting currency (accounts in a
// currency without a rate last), equal amounts the larger in their own
// currency first: within one currency the order is then exactly
// (arr_cents, id), which is what lets the list merge each currency's top
// rows from crm_accounts_currency_arr_idx instead of sorting every account.
var AccountSorts = map[string]string{
	"arr":   "arr_converted DESC NULLS LAST, a.arr_cents DESC, a.id DESC",
	"name":  "lower(a.name), a.id",
	"ideas": "ideas DESC, a.id DESC",
}

// AccountSortNames lists the orders in display order.
var AccountSortNames = []string{"arr", "name", "ideas"}

// AccountQuery filters and orders the staff account list.
type AccountQuery struct {
	Q         string
	Segment   string
	Lifecycle string
	Sort      string
	Page      Page
}

// Validate checks the query against the allow-lists.
func (q *AccountQuery) Validate() error {
	v := &ValidationError{}
	if q.Sort == "" {
		q.Sort = "arr"
	}
	if _, ok := AccountSorts[q.Sort]; !ok {
		v.Add("sort", "sort must be one of arr, name, ideas.")
	}
	if q.Lifecycle != "" && !slices.Contains(Lifecycles, q.Lifecycle) {
		v.Add("lifecycle", "lifecycle must be one of prospect, customer, churned.")
	}
	for field, s := range map[string]string{"q": q.Q, "segment": q.Segment} {
		if textProblem(s) != "" || utf8.RuneCountInString(s) > 200 {
			v.Add(field, "Must be valid text of at most 200 characters.")
		}
	}
	return v.Err()
}

// AccountRow is one account in the staff list.
type AccountRow struct {
	CRMAccount
	// ARRConverted is the ARR in the reporting currency; nil when the
	// account's currency has no rate.
	ARRConverted *int64 `json:"arr_converted_cents"`
	Ideas        int64  `json:"ideas"`
	Members      int64  `json:"members"`
}

// AccountPage is one page of accounts.
type AccountPage struct {
	Accounts []AccountRow
	Page     Page
	Currency string
}

// ListAccounts returns one page of accounts for staff.
func ListAccounts(ctx context.Context, db *gorm.DB, fx FX, q AccountQuery) (*AccountPage, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	db = db.WithContext(ctx)
	codes, rates := fx.SQLRates()
	where := []string{"true"}
	args := map[string]any{"codes": codes, "rates": rates, "limit": q.Page.PerPage, "offset": q.Page.Offset()}
	if s := strings.TrimSpace(q.Q); s != "" {
		// The trigram index on lower(name) serves the substring match; an
		// exact domain finds the account that owns it.
		where = append(where, `(lower(a.name) LIKE @like OR a.id = (SELECT account_id FROM crm_account_domains WHERE domain = @domain))`)
		args["like"] = "%" + escapeLike(strings.ToLower(s)) + "%"
		args["domain"] = NormalizeDomain(s)
	}
	if q.Segment != "" {
		where = append(where, "a.segment = @segment")
		args["segment"] = q.Segment
	}
	if q.Lifecycle != "" {
		where = append(where, "a.lifecycle = @lifecycle")
		args["lifecycle"] = q.Lifecycle
	}
	cond := strings.Join(where, " AND ")
	out := &AccountPage{Accounts: []AccountRow{}, Page: q.Page, Currency: fx.Currency}
	// The idea count is only computed for the page, unless the list is
	// ordered by it; then it comes from the insights rollup while that is
	// fresh (counting the demand view for every account took most of a
	// second at 100k ideas).
	ideas := `(SELECT count(*) FROM idea_account_demand d WHERE d.account_id = a.id)`
	if q.Sort == "ideas" {
		snap, err := freshInsightsSnapshot(ctx, db)
		if err != nil {
			return nil, err
		}
		if snap != nil {
			ideas = `coalesce((SELECT x.ideas FROM insights_account_ideas x WHERE x.account_id = a.id), 0)`
		}
	}
	args["limit"] = q.Page.PerPage + 1 // one beyond the page says whether another follows
	inner := `SELECT a.*, round(a.arr_cents * r.rate)::bigint AS arr_converted` +
		map[bool]string{true: ", " + ideas + " AS ideas", false: ""}[q.Sort == "ideas"] + `
		FROM crm_accounts a LEFT JOIN unnest(CAST(@codes AS text[]), CAST(@rates AS float8[])) AS r(code, rate) ON r.code = a.currency
		WHERE ` + cond
	if q.Sort == "arr" && args["like"] == nil {
		// A search's matches come from the trigram index instead, and
		// only they are sorted (merging would scan each currency for them).
		inner = accountsByARR(cond)
		args["reach"] = q.Page.Offset() + q.Page.PerPage + 1
	}
	outer := `SELECT p.*` + map[bool]string{true: "", false: ", " + strings.ReplaceAll(ideas, "a.id", "p.id") + " AS ideas"}[q.Sort == "ideas"] + `,
		(SELECT count(*) FROM crm_memberships m WHERE m.account_id = p.id) AS members
		FROM (` + inner + ` ORDER BY ` + AccountSorts[q.Sort] + ` LIMIT @limit OFFSET @offset) p
		ORDER BY ` + strings.NewReplacer("a.", "p.").Replace(AccountSorts[q.Sort])
	if err := db.Raw(outer, args).Scan(&out.Accounts).Error; err != nil {
		return nil, err
	}
	if len(out.Accounts) > q.Page.PerPage {
		out.Accounts, out.Page.More = out.Accounts[:q.Page.PerPage], true
	}
	if err := countList(db, &out.Page, "crm_accounts a", cond, args, len(out.Accounts), false); err != nil {
		return nil, err
	}
	return out, nil
}

// accountsByARR selects the accounts matching cond in the ARR order's
// reach (offset + page + 1) without sorting every account: the currencies
// in use come from a skip scan of crm_accounts_currency_arr_idx (one probe
// each), each currency's first @reach rows from the same index in
// (arr_cents, id) order, and only those few are converted and merged.
func accountsByARR(cond string) string {
	return `WITH RECURSIVE cur(code) AS (
			(SELECT currency FROM crm_accounts ORDER BY currency LIMIT 1)
			UNION ALL
			SELECT (SELECT c.currency FROM crm_accounts c WHERE c.currency > cur.code ORDER BY c.currency LIMIT 1)
			FROM cur WHERE cur.code IS NOT NULL)
		SELECT a.*, round(a.arr_cents * r.rate)::bigint AS arr_converted
		FROM cur LEFT JOIN unnest(CAST(@codes AS text[]), CAST(@rates AS float8[])) AS r(code, rate) ON r.code = cur.code
		CROSS JOIN LATERAL (SELECT a.* FROM crm_accounts a WHERE a.currency = cur.code AND ` + cond + `
			ORDER BY a.arr_cents DESC, a.id DESC LIMIT @reach) a
		WHERE cur.code IS NOT NULL`
}

// Segments lists the segments accounts use (at most 100), for filters: a
// skip scan of crm_accounts_segment_idx, one probe per segment, rather than
// reading every account for a handful of distinct values.
func Segments(ctx context.Context, db *gorm.DB) ([]string, error) {
	out := []string{}
	err := db.WithContext(ctx).Raw(`WITH RECURSIVE s(segment) AS (
			(SELECT segment FROM crm_accounts WHERE segment > '' ORDER BY segment LIMIT 1)
			UNION ALL
			SELECT (SELECT a.segment FROM crm_accounts a WHERE a.segment > s.segment ORDER BY a.segment LIMIT 1)
			FROM s WHERE s.segment IS NOT NULL)
		SELECT segment FROM s WHERE segment IS NOT NULL LIMIT 100`).Scan(&out).Error
	return out, err
}

// AccountDetail is an account with its opportunities, for staff.
type AccountDetail struct {
	CRMAccount
	ARRConverted  *int64           `json:"arr_converted_cents"`
	Opportunities []CRMOpportunity `json:"opportunities"`
}

// maxAccountOpportunities bounds the opportunities one account page lists.
const maxAccountOpportunities = 200

// AccountByID loads one account with its opportunities (open first, then
// by close date, at most maxAccountOpportunities).
func AccountByID(ctx context.Context, db *gorm.DB, fx FX, id int64) (*AccountDetail, error) {
	db = db.WithContext(ctx)
	var a AccountDetail
	if err := db.Raw(`SELECT * FROM crm_accounts WHERE id = ?`, id).Scan(&a.CRMAccount).Error; err != nil {
		return nil, err
	}
	if a.ID == 0 {
		return nil, NotFound("There is no such account.")
	}
	if c, ok := fx.Convert(a.ARRCents, a.Currency); ok {
		a.ARRConverted = &c
	}
	a.Opportunities = []CRMOpportunity{}
	err := db.Raw(`SELECT * FROM crm_opportunities WHERE account_id = ?
		ORDER BY state = 'open' DESC, close_date NULLS LAST, id LIMIT ?`, id, maxAccountOpportunities).Scan(&a.Opportunities).Error
	return &a, err
}

// AccountMember is a member who belongs to an account.
type AccountMember struct {
	UserID      int64
	Name        string
	Email       *string
	Placeholder bool
	// Explicit: a staff link, not the email's domain.
	Explicit bool
}

// AccountMembers lists an account's members, a page at a time.
func AccountMembers(ctx context.Context, db *gorm.DB, accountID int64, p Page) ([]AccountMember, Page, error) {
	db = db.WithContext(ctx)
	out := []AccountMember{}
	if err := db.Raw(`SELECT count(*) FROM crm_memberships WHERE account_id = ?`, accountID).Scan(&p.Total).Error; err != nil {
		return nil, p, err
	}
	err := db.Raw(`SELECT m.user_id, u.name, u.email, u.placeholder, m.explicit
		FROM crm_memberships m JOIN users u ON u.id = m.user_id
		WHERE m.account_id = ? ORDER BY lower(u.name), u.id LIMIT ? OFFSET ?`, accountID, p.PerPage, p.Offset()).Scan(&out).Error
	return out, p, err
}

// AccountIdea is an idea an account's people voted for or staff linked.
type AccountIdea struct {
	ID         int64
	Title      string
	Status     string
	VoteCount  int
	Votes      int64 // the account's own
	Linked     bool
	Importance *string
}

// URL is the idea's page.
func (a AccountIdea) URL() string { return Idea{ID: a.ID, Title: a.Title}.URL() }

// AccountIdeas lists the ideas an account has a stake in, most voted first.
func AccountIdeas(ctx context.Context, db *gorm.DB, accountID int64, p Page) ([]AccountIdea, Page, error) {
	db = db.WithContext(ctx)
	out := []AccountIdea{}
	if err := db.Raw(`SELECT count(*) FROM idea_account_demand d JOIN ideas i ON i.id = d.idea_id
		WHERE d.account_id = ? AND i.deleted_at IS NULL`, accountID).Scan(&p.Total).Error; err != nil {
		return nil, p, err
	}
	err := db.Raw(`SELECT i.id, i.title, i.status, i.vote_count, d.votes, d.linked, ia.importance
		FROM idea_account_demand d JOIN ideas i ON i.id = d.idea_id
		LEFT JOIN idea_accounts ia ON ia.idea_id = d.idea_id AND ia.account_id = d.account_id
		WHERE d.account_id = ? AND i.deleted_at IS NULL
		ORDER BY d.linked DESC, i.vote_count DESC, i.id DESC LIMIT ? OFFSET ?`, accountID, p.PerPage, p.Offset()).Scan(&out).Error
	return out, p, err
}

// OpportunitiesOf lists the opportunities of each of accountIDs (open
// first, at most 50 each), for the link form's choice.
func OpportunitiesOf(ctx context.Context, db *gorm.DB, accountIDs []int64) (map[int64][]CRMOpportunity, error) {
	out := map[int64][]CRMOpportunity{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	var rows []CRMOpportunity
	err := db.WithContext(ctx).Raw(`SELECT o.* FROM unnest(CAST(? AS bigint[])) AS a(id)
		CROSS JOIN LATERAL (SELECT * FROM crm_opportunities o WHERE o.account_id = a.id
			ORDER BY o.state = 'open' DESC, o.close_date NULLS LAST, o.id LIMIT 50) o`, int64s(accountIDs)).Scan(&rows).Error
	for _, o := range rows {
		out[o.AccountID] = append(out[o.AccountID], o)
	}
	return out, err
}

// int64s is a Postgres bigint[] literal of ids.
func int64s(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = itoa(id)
	}
	return "{" + strings.Join(parts, ",") + "}"
}
