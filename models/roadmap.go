package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// RoadmapColumn is one column of the public roadmap.
type RoadmapColumn struct {
	Status string
	Ideas  []Idea
	Total  int64 // ideas in the column; more than len(Ideas) when capped
}

// RecentlyShipped bounds the roadmap's Shipped column.
const RecentlyShipped = 90 * 24 * time.Hour

// roadmapLimit caps each column; the roadmap is a summary, not an archive
// (the changelog is).
const roadmapLimit = 50

// roadmapOrder is each column's order: the open columns by votes (what
// customers want most), Shipped newest first (what just happened).
var roadmapOrder = map[string]string{
	StatusUnderReview: "r.vote_count DESC, r.id DESC",
	StatusPlanned:     "r.vote_count DESC, r.id DESC",
	StatusInProgress:  "r.vote_count DESC, r.id DESC",
	StatusShipped:     "i.shipped_at DESC, i.id DESC",
}

// Roadmap returns the Under review, Planned, In progress and recently
// Shipped columns, optionally for one category.
func Roadmap(ctx context.Context, db *gorm.DB, viewer *User, category string) ([]RoadmapColumn, error) {
	cols := []RoadmapColumn{{Status: StatusUnderReview}, {Status: StatusPlanned}, {Status: StatusInProgress}, {Status: StatusShipped}}
	for i := range cols {
		where := publicIdeas + ` AND i.status = @status AND (@category = '' OR c.slug = @category)`
		if cols[i].Status == StatusShipped {
			where += ` AND i.shipped_at > now() - CAST(@recent AS interval)`
		}
		cols[i].Ideas = []Idea{}
		args := map[string]any{
			"viewer": viewerID(viewer), "status": cols[i].Status, "category": category,
			"recent": RecentlyShipped.String(), "limit": roadmapLimit,
		}
		// The columns by votes read idea_ranks_status_idx, as the top tab
		// filtered by status does.
		join, ranked := rankedList(ListQuery{Sort: "top", Status: cols[i].Status})
		err := db.WithContext(ctx).Raw(`SELECT `+ideaSelect+ideaFrom+join+`
			WHERE `+where+ranked+`
			ORDER BY `+roadmapOrder[cols[i].Status]+` LIMIT @limit`, args).Scan(&cols[i].Ideas).Error
		if err != nil {
			return nil, err
		}
		cols[i].Total = int64(len(cols[i].Ideas))
		if len(cols[i].Ideas) == roadmapLimit {
			if err := db.WithContext(ctx).Raw(`SELECT count(*)`+ideaFrom+` WHERE `+where, args).Scan(&cols[i].Total).Error; err != nil {
				return nil, err
			}
		}
	}
	return cols, nil
}

// ChangelogEntry is a shipped idea with its release note.
type ChangelogEntry struct {
	Idea
	ShippedAt   time.Time
	ReleaseNote string
	ReleaseHTML string
}

// Changelog lists shipped ideas, newest first, with the release note of the
// step that shipped them.
func Changelog(ctx context.Context, db *gorm.DB, viewer *User, page Page) ([]ChangelogEntry, Page, error) {
	db = db.WithContext(ctx)
	where := publicIdeas + ` AND i.status = 'shipped' AND i.shipped_at IS NOT NULL`
	if err := db.Raw(`SELECT count(*)` + ideaFrom + ` WHERE ` + where).Scan(&page.Total).Error; err != nil {
		return nil, page, err
	}
	out := []ChangelogEntry{}
	err := db.Raw(`SELECT `+ideaSelect+`, i.shipped_at,
			coalesce(s.release_note, '') AS release_note, coalesce(s.release_html, '') AS release_html`+ideaFrom+`
		LEFT JOIN LATERAL (SELECT release_note, release_html FROM idea_status_changes sc
			WHERE sc.idea_id = i.id AND sc.to_status = 'shipped' ORDER BY sc.created_at DESC, sc.id DESC LIMIT 1) s ON true
		WHERE `+where+` ORDER BY i.shipped_at DESC, i.id DESC LIMIT @limit OFFSET @offset`,
		map[string]any{"viewer": viewerID(viewer), "limit": page.PerPage, "offset": page.Offset()}).Scan(&out).Error
	return out, page, err
}
