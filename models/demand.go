package models

import (
	"context"
	"sort"

	"gorm.io/gorm"
)

// Where an account's interest in an idea comes from.
const (
	ViaLink = "link"
	ViaVote = "vote"
	ViaBoth = "both"
)

// maxDemandRows bounds the account rows one demand answer lists; the sums
// always cover every account.
const maxDemandRows = 500

// Demand is the revenue behind one idea: every account at stake counted
// once (linked by staff, voting through its members, proxy votes included,
// or both), amounts in the reporting currency. Accounts whose currency has
// no rate are left out of the sums and named in Unconverted.
type Demand struct {
	IdeaID               int64           `json:"idea_id"`
	Votes                int64           `json:"votes"`
	Accounts             int64           `json:"accounts"`
	LinkedAccounts       int64           `json:"linked_accounts"`
	VotingAccounts       int64           `json:"voting_accounts"`
	ARRAtStakeCents      int64           `json:"arr_at_stake_cents"`
	PipelineAtStakeCents int64           `json:"pipeline_at_stake_cents"`
	OpenOpportunities    int64           `json:"open_opportunities"`
	Currency             string          `json:"currency"`
	Unconverted          []string        `json:"unconverted"`
	BySegment            []SegmentDemand `json:"by_segment"`
	AccountRows          []AccountDemand `json:"account_rows"`
	// AccountRowsTotal is the number of accounts at stake; AccountRows
	// holds at most maxDemandRows of them, highest ARR first.
	AccountRowsTotal int64 `json:"account_rows_total"`
}

// SegmentDemand is the part of an idea's demand from one segment.
type SegmentDemand struct {
	Segment  string `json:"segment"`
	Accounts int64  `json:"accounts"`
	Votes    int64  `json:"votes"`
	ARRCents int64  `json:"arr_cents"`
}

// AccountDemand is one account at stake for an idea. ARRCents is in the
// reporting currency (0 when not Converted); AccountARRCents and
// AccountCurrency are the account's own figures.
type AccountDemand struct {
	AccountID       int64   `json:"account_id"`
	Name            string  `json:"name"`
	Segment         string  `json:"segment"`
	Lifecycle       string  `json:"lifecycle"`
	ARRCents        int64   `json:"arr_cents"`
	Converted       bool    `json:"converted"`
	AccountARRCents int64   `json:"account_arr_cents"`
	AccountCurrency string  `json:"account_currency"`
	Importance      *string `json:"importance"`
	Note            string  `json:"note"`
	Votes           int64   `json:"votes"`
	Via             string  `json:"via"`
	PipelineCents   int64   `json:"pipeline_cents"`
}

// IdeaDemand computes the Demand panel and GET /api/v1/ideas/:id/demand
// for one idea. The caller checks the viewer is staff.
func IdeaDemand(ctx context.Context, db *gorm.DB, fx FX, ideaID int64) (*Demand, error) {
	db = db.WithContext(ctx)
	var idea struct {
		ID        int64
		VoteCount int64
	}
	if err := db.Raw(`SELECT id, vote_count FROM ideas WHERE id = ?`, ideaID).Scan(&idea).Error; err != nil {
		return nil, err
	}
	if idea.ID == 0 {
		return nil, NotFound("We couldn't find that idea.")
	}
	// One row per account at stake; the view already counts each once.
	// Its open opportunities come with it: the view (every voter's
	// accounts) is evaluated once per answer, not again to count them.
	var rows []struct {
		AccountDemand
		Linked            bool
		OpenOpportunities int64
	}
	err := db.Raw(`SELECT d.account_id, a.name, a.segment, a.lifecycle, a.arr_cents AS account_arr_cents,
			a.currency AS account_currency, ia.importance, coalesce(ia.note, '') AS note, d.votes, d.linked,
			coalesce((SELECT sum(o.amount_cents) FROM crm_opportunities o
				WHERE o.account_id = d.account_id AND o.state = 'open'), 0) AS pipeline_cents,
			(SELECT count(*) FROM crm_opportunities o WHERE o.account_id = d.account_id AND o.state = 'open') AS open_opportunities
		FROM idea_account_demand d
		JOIN crm_accounts a ON a.id = d.account_id
		LEFT JOIN idea_accounts ia ON ia.idea_id = d.idea_id AND ia.account_id = d.account_id
		WHERE d.idea_id = ?`, ideaID).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := &Demand{IdeaID: ideaID, Votes: idea.VoteCount, Currency: fx.Currency, Unconverted: []string{},
		BySegment: []SegmentDemand{}, AccountRows: []AccountDemand{}, AccountRowsTotal: int64(len(rows))}
	segments := map[string]*SegmentDemand{}
	unconverted := map[string]bool{}
	for _, r := range rows {
		a := r.AccountDemand
		switch {
		case r.Linked && a.Votes > 0:
			a.Via = ViaBoth
		case r.Linked:
			a.Via = ViaLink
		default:
			a.Via = ViaVote
		}
		out.Accounts++
		out.OpenOpportunities += r.OpenOpportunities
		if r.Linked {
			out.LinkedAccounts++
		}
		if a.Votes > 0 {
			out.VotingAccounts++
		}
		// An opportunity's amount is in its account's currency.
		arr, ok := fx.Convert(a.AccountARRCents, a.AccountCurrency)
		pipeline, _ := fx.Convert(a.PipelineCents, a.AccountCurrency)
		a.Converted = ok
		if ok {
			a.ARRCents, a.PipelineCents = arr, pipeline
			out.ARRAtStakeCents += arr
			out.PipelineAtStakeCents += pipeline
		} else {
			a.ARRCents = 0
			unconverted[a.AccountCurrency] = true
		}
		s := segments[a.Segment]
		if s == nil {
			s = &SegmentDemand{Segment: a.Segment}
			segments[a.Segment] = s
		}
		s.Accounts++
		s.Votes += a.Votes
		s.ARRCents += a.ARRCents
		out.AccountRows = append(out.AccountRows, a)
	}
	for c := range unconverted {
		out.Unconverted = append(out.Unconverted, c)
	}
	sort.Strings(out.Unconverted)
	for _, s := range segments {
		out.BySegment = append(out.BySegment, *s)
	}
	sort.Slice(out.BySegment, func(i, j int) bool {
		a, b := out.BySegment[i], out.BySegment[j]
		if a.ARRCents != b.ARRCents {
			return a.ARRCents > b.ARRCents
		}
		return a.Segment < b.Segment
	})
	sort.Slice(out.AccountRows, func(i, j int) bool {
		a, b := out.AccountRows[i], out.AccountRows[j]
		if a.ARRCents != b.ARRCents {
			return a.ARRCents > b.ARRCents
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.AccountID < b.AccountID
	})
	if len(out.AccountRows) > maxDemandRows {
		out.AccountRows = out.AccountRows[:maxDemandRows]
	}
	return out, nil
}

// ARRAtStake is the ARR at stake, in the reporting currency, of each of
// ideaIDs (absent: none), for lists and cards: each account once, accounts
// in a currency without a rate left out.
func ARRAtStake(ctx context.Context, db *gorm.DB, fx FX, ideaIDs []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	if len(ideaIDs) == 0 {
		return out, nil
	}
	codes, rates := fx.SQLRates()
	var rows []struct {
		IdeaID int64
		Cents  int64
	}
	err := db.WithContext(ctx).Raw(`SELECT d.idea_id, sum(round(a.arr_cents * r.rate))::bigint AS cents
		FROM idea_account_demand d
		JOIN crm_accounts a ON a.id = d.account_id
		JOIN unnest(CAST(? AS text[]), CAST(? AS float8[])) AS r(code, rate) ON r.code = a.currency
		WHERE d.idea_id IN ?
		GROUP BY d.idea_id`, codes, rates, ideaIDs).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.IdeaID] = r.Cents
	}
	return out, nil
}
