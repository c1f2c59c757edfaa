package models

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// threadSelect is commentSelect without joins: Thread reads authors in a
// second statement by primary key, and the title of the idea a merged
// comment came from (rare) by primary key per such comment. Joined in one
// statement, the planner hashed the whole users table for a 200-comment
// thread (20,000 rows at 100k ideas, 10 ms of PostgreSQL CPU per page view)
// whenever it guessed that beat 200 index lookups.
const threadSelect = `c.id, c.idea_id, c.parent_id, c.author_id,
	CASE WHEN c.deleted_at IS NULL THEN c.body ELSE '' END AS body,
	CASE WHEN c.deleted_at IS NULL THEN c.body_html ELSE '' END AS body_html,
	c.depth, c.moderation, c.moderation_reason, c.staff_only, c.origin_idea_id,
	CASE WHEN c.origin_idea_id IS NOT NULL THEN (SELECT o.title FROM ideas o WHERE o.id = c.origin_idea_id) END AS origin_title,
	c.created_at, c.edited_at, c.deleted_at
	FROM comments c`

// Thread loads an idea's whole discussion (one statement on
// comments_idea_idx, already in order, and one for the authors) and
// returns the top-level comments with replies nested, oldest first at
// every level.
func Thread(ctx context.Context, db *gorm.DB, viewer *User, ideaID int64) ([]*Comment, error) {
	db = db.WithContext(ctx)
	rows, err := db.Raw(`SELECT `+threadSelect+`
		WHERE c.idea_id = @idea AND (@staff OR ((c.moderation = 'visible' OR c.author_id = @viewer) AND NOT c.staff_only))
		ORDER BY c.created_at, c.id`, map[string]any{"idea": ideaID, "viewer": viewerID(viewer), "staff": viewer.IsStaff()}).
		Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// Scanned by hand: GORM's reflective Scan was an eighth of the page's
	// CPU for a 200-comment thread.
	var all []*Comment
	for rows.Next() {
		c := &Comment{}
		if err := rows.Scan(&c.ID, &c.IdeaID, &c.ParentID, &c.AuthorID, &c.Body, &c.BodyHTML, &c.Depth, &c.Moderation,
			&c.ModerationReason, &c.StaffOnly, &c.OriginIdeaID, &c.OriginTitle, &c.CreatedAt, &c.EditedAt, &c.DeletedAt); err != nil {
			return nil, err
		}
		all = append(all, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := fillAuthors(db, all); err != nil {
		return nil, err
	}
	byID := make(map[int64]*Comment, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	roots := []*Comment{}
	for _, c := range all {
		if p, ok := byID[derefID(c.ParentID)]; ok && c.ParentID != nil {
			p.Replies = append(p.Replies, c)
		} else {
			roots = append(roots, c)
		}
	}
	return roots, nil
}

// fillAuthors sets AuthorName and AuthorRole (as commentSelect words them)
// with one statement for every distinct author. The ids go as one array
// literal, so the statement text, and its prepared plan, is the same for
// any number of authors.
func fillAuthors(db *gorm.DB, cs []*Comment) error {
	if len(cs) == 0 {
		return nil
	}
	seen := make(map[int64]bool, len(cs))
	var ids strings.Builder
	ids.WriteByte('{')
	for _, c := range cs {
		if seen[c.AuthorID] {
			continue
		}
		if len(seen) > 0 {
			ids.WriteByte(',')
		}
		seen[c.AuthorID] = true
		ids.WriteString(strconv.FormatInt(c.AuthorID, 10))
	}
	ids.WriteByte('}')
	var authors []struct {
		ID   int64
		Name string
		Role string
	}
	err := db.Raw(`SELECT id,
		CASE WHEN deleted_at IS NULL THEN name ELSE 'deleted user' END AS name,
		CASE WHEN deleted_at IS NULL THEN role ELSE 'member' END AS role
		FROM users WHERE id = ANY(?::bigint[])`, ids.String()).Scan(&authors).Error
	if err != nil {
		return err
	}
	byID := make(map[int64]int, len(authors))
	for i, a := range authors {
		byID[a.ID] = i
	}
	for _, c := range cs {
		if i, ok := byID[c.AuthorID]; ok {
			c.AuthorName, c.AuthorRole = authors[i].Name, authors[i].Role
		}
	}
	return nil
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
