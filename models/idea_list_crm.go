package models

import (
	"slices"
	"unicode/utf8"
)

// The idea list's CRM extras, for product managers and admins only: the
// sorts "arr" (ARR at stake) and "accounts" (accounts at stake), and the
// filters segment and lifecycle (ideas some account of that segment or
// lifecycle has a stake in). For everyone else the sorts are unknown and
// the filters ignored, like any parameter the list does not read.

// CRMSorts maps the CRM sorts to their ORDER BY over the demand join.
var CRMSorts = map[string]string{
	"arr":      "coalesce(dm.arr, 0) DESC, i.vote_count DESC, i.id DESC",
	"accounts": "coalesce(dm.accounts, 0) DESC, i.vote_count DESC, i.id DESC",
}

// CRMSortNames lists the CRM sorts in display order.
var CRMSortNames = []string{"arr", "accounts"}

// SeesCRM reports whether viewer may use the CRM sorts and filters.
func SeesCRM(viewer *User) bool { return viewer.HasRole(RoleProductManager) }

// crmListCheck validates the CRM part of q for viewer, clearing the
// filters of those who may not use them; it returns v's error.
func (q *ListQuery) crmListCheck(viewer *User, v *ValidationError) error {
	if !SeesCRM(viewer) {
		q.Segment, q.Lifecycle = "", ""
		if _, ok := CRMSorts[q.Sort]; ok {
			v.Add("sort", "sort must be one of trending, top, new, discussed.")
		}
		return v.Err()
	}
	if q.Lifecycle != "" && !slices.Contains(Lifecycles, q.Lifecycle) {
		v.Add("lifecycle", "lifecycle must be one of prospect, customer, churned.")
	}
	if textProblem(q.Segment) != "" || utf8.RuneCountInString(q.Segment) > 100 {
		v.Add("segment", "The segment must be valid text of at most 100 characters.")
	}
	return v.Err()
}

// listOrder is q's ORDER BY, from the allow-lists.
func listOrder(q ListQuery) string {
	if o, ok := CRMSorts[q.Sort]; ok {
		return o
	}
	return Sorts[q.Sort]
}

// crmListWhere is the segment/lifecycle condition: ideas linked to such an
// account or voted for by its members, found from the accounts through
// their indexes (links by account, members by domain or staff link, votes
// by member).
func crmListWhere(q ListQuery, args map[string]any) []string {
	if q.Segment == "" && q.Lifecycle == "" {
		return nil
	}
	args["crm_segment"], args["crm_lifecycle"] = q.Segment, q.Lifecycle
	accounts := `SELECT a.id FROM crm_accounts a WHERE (@crm_segment = '' OR a.segment = @crm_segment)
		AND (@crm_lifecycle = '' OR a.lifecycle = @crm_lifecycle)`
	return []string{`i.id IN (SELECT ia.idea_id FROM idea_accounts ia WHERE ia.account_id IN (` + accounts + `)
		UNION SELECT v.idea_id FROM crm_memberships m JOIN votes v ON v.user_id = m.user_id WHERE m.account_id IN (` + accounts + `))`}
}

// crmListFrom is the join the CRM sorts order by: each idea's ARR at stake
// in the reporting currency and its number of accounts at stake, each
// account once (idea_account_demand). "" for the other sorts.
func crmListFrom(q ListQuery, args map[string]any) string {
	if _, ok := CRMSorts[q.Sort]; !ok {
		return ""
	}
	args["crm_codes"], args["crm_rates"] = q.FX.SQLRates()
	return ` LEFT JOIN (SELECT d.idea_id, sum(round(a.arr_cents * r.rate))::bigint AS arr, count(*) AS accounts
		FROM idea_account_demand d JOIN crm_accounts a ON a.id = d.account_id
		LEFT JOIN unnest(CAST(@crm_codes AS text[]), CAST(@crm_rates AS float8[])) AS r(code, rate) ON r.code = a.currency
		GROUP BY d.idea_id) dm ON dm.idea_id = i.id`
}
