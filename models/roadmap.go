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
	// Total is the ideas in the column, more than len(Ideas) when the
	// column shows only the first ones; counted no further than CountCap
	// (Capped), so a column of a million ideas costs what one of 51 does.
	Total  int64
	Capped bool
}

// TotalLabel is the total as the column shows it: "1,000+" when capped.
func (c RoadmapColumn) TotalLabel() string {
	return Page{Total: c.Total, Capped: c.Capped}.TotalLabel()
}

// RecentlyShipped bounds the roadmap's Shipped column.
const RecentlyShipped = 90 * 24 * time.Hour

// roadmapLimit caps each column; the roadmap is a summary, not an archive
// (the changelog is).
const roadmapLimit = 50

// shippedIdeas are the public shipped ideas the changelog lists, which
// ideas_shipped_idx (migration 00038) holds in the order shippedOrder, and
// ideas_shipped_category_idx in that order per category.
const shippedIdeas = publicIdeas + ` AND i.status = 'shipped' AND i.shipped_at IS NOT NULL`

const shippedOrder = `i.shipped_at DESC, i.id DESC`

// roadmapColumns are what a roadmap column shows of its ideas (link,
// title, votes, category, status): two hundred ideas' bodies and every
// other column, read and scanned into Idea for nothing, were most of the
// page's cost once the counts were capped.
const roadmapColumns = `i.id, i.title, i.category_id, c.slug AS category, c.name AS category_name,
	i.status, i.vote_count, i.comment_count, i.follower_count, i.created_at`

const roadmapFrom = ` FROM ideas i JOIN categories c ON c.id = i.category_id`

// Roadmap returns the Under review, Planned, In progress and recently
// Shipped columns, optionally for one category (a known slug). Each column
// reads its index in its order — the open columns by votes from
// idea_ranks_status_idx (what customers want most), Shipped newest first
// from ideas_shipped_idx (what just happened), or their per-category
// indexes of migration 00038 for one category — one row past the column to
// know whether more follow, and only then a capped count on the same index.
func Roadmap(ctx context.Context, db *gorm.DB, viewer *User, category string) ([]RoadmapColumn, error) {
	db = db.WithContext(ctx)
	cols := []RoadmapColumn{{Status: StatusUnderReview}, {Status: StatusPlanned}, {Status: StatusInProgress}, {Status: StatusShipped}}
	for i := range cols {
		args := map[string]any{"status": cols[i].Status, "limit": roadmapLimit + 1, "recent": RecentlyShipped.String()}
		byCategory := ""
		if category != "" {
			args["category"] = category
			byCategory = ` AND i.category_id = (SELECT id FROM categories WHERE slug = @category)`
		}
		// What the column lists, what its count reads (without joins) and
		// in which order.
		var from, where, counted, countFrom, order string
		if cols[i].Status == StatusShipped {
			where = shippedIdeas + ` AND i.shipped_at > now() - CAST(@recent AS interval)` + byCategory
			from, counted, countFrom, order = roadmapFrom, where, "ideas i", shippedOrder
			if category != "" {
				// The category is a sub-select, unknown when planned: in
				// ideas_shipped_category_idx's own order the column and its
				// count read that index, not any index the filters touch.
				order = `i.category_id, ` + shippedOrder
				counted = where + ` ORDER BY ` + order
			}
		} else {
			// idea_ranks holds each idea's status, category and whether it
			// is listed (cw_idea_ranks_put), so the filters are on r alone:
			// the same status on i too would be taken for an independent
			// one, the column estimated 15 times shorter than it is and read
			// in parallel, three workers' rows looked up for one page. The
			// count needs no idea at all.
			// With a category, idea_ranks_roadmap_idx (migration 00038)
			// holds the column in order; its statuses are written out so
			// that a generic plan, @status unknown, may still use it.
			join, ranked := rankedList(ListQuery{Sort: "top", Status: cols[i].Status, Category: category})
			ranked += ` AND r.status IN ('under_review', 'planned', 'in_progress')`
			where = publicIdeas + ranked
			from, counted, countFrom, order = roadmapFrom+join, `true`+ranked, "idea_ranks r", Sorts["top"]
		}
		cols[i].Ideas = []Idea{}
		err := db.Raw(`SELECT `+roadmapColumns+from+` WHERE `+where+` ORDER BY `+order+` LIMIT @limit`, args).Scan(&cols[i].Ideas).Error
		if err != nil {
			return nil, err
		}
		pg := Page{Number: 1, PerPage: roadmapLimit}
		if len(cols[i].Ideas) > roadmapLimit {
			cols[i].Ideas, pg.More = cols[i].Ideas[:roadmapLimit], true
		}
		if err := countList(db, &pg, countFrom, counted, args, len(cols[i].Ideas), false); err != nil {
			return nil, err
		}
		cols[i].Total, cols[i].Capped = pg.Total, pg.Capped
		if err := markViewer(db, viewer, cols[i].Ideas); err != nil {
			return nil, err
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

// ChangelogPage is one page of the changelog.
type ChangelogPage struct {
	Entries []ChangelogEntry
	Page    Page
	// Next is the cursor (?after=) of the page after this one, "" on the
	// last page.
	Next string
}

// Changelog lists shipped ideas, newest first, with the release note of the
// step that shipped them. Like the idea lists it counts no further than
// CountCap ("Page 3 of 50+"), knows the next page from one extra row, and
// with after (a Next of the page before; any other value is ignored) seeks
// past that entry on the index instead of skipping page.Offset() entries.
func Changelog(ctx context.Context, db *gorm.DB, viewer *User, page Page, after string) (*ChangelogPage, error) {
	db = db.WithContext(ctx)
	cur, seek := ParseCursor("new", after) // a time and an id, as the new tab's
	var out []ChangelogEntry
	var err error
	if seek {
		out, err = changelogEntries(db, viewer, page.PerPage+1, 0, &cur)
		// A cursor past everything (the entries behind it went away) is
		// read as its page number instead.
		seek = err == nil && len(out) > 0
	}
	if err == nil && !seek {
		out, err = changelogEntries(db, viewer, page.PerPage+1, page.Offset(), nil)
	}
	if err != nil {
		return nil, err
	}
	p := &ChangelogPage{Entries: out, Page: page}
	if len(out) > page.PerPage {
		p.Entries, p.Page.More = out[:page.PerPage], true
		last := p.Entries[len(p.Entries)-1]
		p.Next = timeCursor(last.ShippedAt, last.ID)
	}
	return p, countList(db, &p.Page, "ideas i", shippedIdeas, nil, len(p.Entries), seek)
}

// ChangelogFeed is the latest n entries of the changelog, for its feed,
// which shows no count.
func ChangelogFeed(ctx context.Context, db *gorm.DB, n int) ([]ChangelogEntry, error) {
	return changelogEntries(db.WithContext(ctx), nil, n, 0, nil)
}

// changelogEntries picks the page's ideas from ideas_shipped_idx alone
// (index-only; from the cursor after, or skipping offset entries), and only
// then reads those rows, their author, category and release note: a deep
// page skips index entries at most, not ideas joined to everything.
func changelogEntries(db *gorm.DB, viewer *User, limit, offset int, after *Cursor) ([]ChangelogEntry, error) {
	args := map[string]any{"viewer": viewerID(viewer), "limit": limit, "offset": offset}
	seek := ""
	if after != nil {
		seek = ` AND (i.shipped_at, i.id) < (CAST(@after_value AS timestamptz), CAST(@after_id AS bigint))`
		args["after_value"], args["after_id"] = after.Value, after.ID
	}
	out := []ChangelogEntry{}
	err := db.Raw(`SELECT `+ideaSelect+`, i.shipped_at,
			coalesce(s.release_note, '') AS release_note, coalesce(s.release_html, '') AS release_html
		FROM (SELECT i.id FROM ideas i WHERE `+shippedIdeas+seek+` ORDER BY `+shippedOrder+` LIMIT @limit OFFSET @offset) p
		JOIN ideas i ON i.id = p.id JOIN categories c ON c.id = i.category_id JOIN users u ON u.id = i.author_id
		LEFT JOIN LATERAL (SELECT release_note, release_html FROM idea_status_changes sc
			WHERE sc.idea_id = i.id AND sc.to_status = 'shipped' ORDER BY sc.created_at DESC, sc.id DESC LIMIT 1) s ON true
		ORDER BY `+shippedOrder, args).Scan(&out).Error
	return out, err
}
