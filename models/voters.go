package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Voter is one member's vote on an idea, as staff see it.
type Voter struct {
	UserID  int64
	Name    string
	VotedAt time.Time
	// MergedFromTitle names the idea the vote came from in a merge.
	MergedFromTitle *string
	// A vote staff cast on behalf of a customer: who cast it, whether the
	// customer is a contact who has not signed in yet, and their account.
	CastByID    *int64
	CastByName  *string
	Placeholder bool
	AccountName *string
}

// VoterPage is one page of an idea's voters, newest vote first.
type VoterPage struct {
	Idea   *Idea
	Voters []Voter
	Page   Page
}

// Voters lists who voted for an idea and when, for staff only.
func Voters(ctx context.Context, db *gorm.DB, viewer *User, ideaID int64, p Page) (*VoterPage, error) {
	if !viewer.IsStaff() {
		return nil, Forbidden("Only staff can see who voted.")
	}
	idea, err := IdeaByID(ctx, db, viewer, ideaID)
	if err != nil {
		return nil, err
	}
	db = db.WithContext(ctx)
	// The idea's vote counter is the number of its votes (each vote and
	// unvote keeps it so): no count of them per page.
	out := &VoterPage{Idea: idea, Page: p, Voters: []Voter{}}
	out.Page.Total = int64(idea.VoteCount)
	// The page's votes come from votes_idea_created_idx in the list's
	// order, an index-only scan however deep the page; only they are
	// joined to their voters, who cast them and their accounts (each
	// looked up by key: LIMIT keeps the planner from joining every vote).
	err = db.Raw(`WITH page AS (SELECT user_id FROM votes WHERE idea_id = @idea
			ORDER BY created_at DESC, user_id LIMIT @limit OFFSET @offset)
		SELECT v.user_id, CASE WHEN u.deleted_at IS NULL THEN u.name ELSE 'deleted user' END AS name,
			v.created_at AS voted_at, m.title AS merged_from_title, v.cast_by_id,
			CASE WHEN cb.deleted_at IS NULL THEN cb.name ELSE 'deleted user' END AS cast_by_name, u.placeholder,
			(SELECT a.name FROM crm_memberships cm JOIN crm_accounts a ON a.id = cm.account_id WHERE cm.user_id = v.user_id LIMIT 1) AS account_name
		FROM page p CROSS JOIN LATERAL (SELECT * FROM votes v WHERE v.idea_id = @idea AND v.user_id = p.user_id LIMIT 1) v
		JOIN users u ON u.id = v.user_id LEFT JOIN ideas m ON m.id = v.merged_from_id
		LEFT JOIN users cb ON cb.id = v.cast_by_id
		ORDER BY v.created_at DESC, v.user_id`,
		map[string]any{"idea": ideaID, "limit": p.PerPage, "offset": p.Offset()}).Scan(&out.Voters).Error
	if err != nil {
		return nil, err
	}
	return out, nil
}
