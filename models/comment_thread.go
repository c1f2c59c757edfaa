package models

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// threadColumns are a comment's columns as a thread shows them, without
// joins: ThreadPageOf reads authors in a second statement by primary key, and the
// title of the idea a merged comment came from (rare) by primary key per
// such comment. Joined in one statement, the planner hashed the whole users
// table for a 200-comment thread (20,000 rows at 100k ideas, 10 ms of
// PostgreSQL CPU per page view) whenever it guessed that beat 200 index
// lookups.
const threadColumns = `c.id, c.idea_id, c.parent_id, c.author_id,
	CASE WHEN c.deleted_at IS NULL THEN c.body ELSE '' END AS body,
	CASE WHEN c.deleted_at IS NULL THEN c.body_html ELSE '' END AS body_html,
	c.depth, c.moderation, c.moderation_reason, c.staff_only, c.origin_idea_id,
	CASE WHEN c.origin_idea_id IS NOT NULL THEN (SELECT o.title FROM ideas o WHERE o.id = c.origin_idea_id) END AS origin_title,
	c.created_at, c.edited_at, c.deleted_at`

// threadVisible is which comments of a thread the viewer sees (@staff,
// @viewer): public ones, and their own pending or hidden ones.
const threadVisible = `(@staff OR ((c.moderation = 'visible' OR c.author_id = @viewer) AND NOT c.staff_only))`

// ThreadPageSize is how many top-level comments, each with all its
// replies, a page of a discussion shows; ThreadPageCap bounds the comments
// a page reads, replies included, so one enormous sub-thread cannot make a
// page cost its size.
const (
	ThreadPageSize = 50
	ThreadPageCap  = 500
)

// ThreadQuery picks a page of a discussion. Its zero value is the first
// page; After and Before are the cursors of ThreadPage's Later and Earlier
// links; Comment asks for the page that holds that comment (it starts at
// the comment's top-level comment), as links to one comment do.
type ThreadQuery struct {
	After, Before string
	Comment       int64
}

// ThreadPage is a page of a discussion: top-level comments, oldest first,
// with their replies nested (oldest first at every level).
type ThreadPage struct {
	Roots []*Comment
	// Earlier and Later are the cursors of the pages before and after this
	// one ("" when there is none): ?before= and ?after= values.
	Earlier, Later string
	// Truncated: the page's threads hold more than ThreadPageCap comments,
	// and the deepest of their replies are not shown.
	Truncated bool
}

// ValidThreadCursor reports whether s is a cursor ThreadPage wrote (or
// empty), for the API's 422.
func ValidThreadCursor(s string) bool {
	_, ok := ParseCursor("new", s)
	return s == "" || ok
}

// ThreadPageOf loads the page q asks for of an idea's discussion: the
// page's top-level comments in order from comments_roots_idx, then their
// replies level by level from comments_parent_idx (at most ThreadPageCap
// comments), then their authors. A top-level comment the viewer may not
// see still holds its place, so a visible reply under it shows at the top
// level in that place. A cursor that is not one this wrote reads as the
// first page (the API refuses it first with ValidThreadCursor).
func ThreadPageOf(ctx context.Context, db *gorm.DB, viewer *User, ideaID int64, q ThreadQuery) (*ThreadPage, error) {
	db = db.WithContext(ctx)
	roots, out, err := threadRoots(db, ideaID, q)
	if err != nil || len(roots) == 0 {
		return out, err
	}
	ids := make([]int64, len(roots))
	for i, r := range roots {
		ids[i] = r.ID
	}
	// The LATERAL subqueries (fenced by their LIMIT and OFFSET, so the
	// planner cannot flatten them into hash joins over a whole index) read
	// each parent's replies, and then each comment, by index.
	rows, err := db.Raw(`WITH RECURSIVE t(id, root) AS (
			SELECT r, r FROM unnest(CAST(@roots AS bigint[])) r
			UNION ALL
			SELECT x.id, t.root FROM t CROSS JOIN LATERAL (
				SELECT c.id FROM comments c WHERE c.parent_id = t.id LIMIT @more) x
		), page AS (SELECT id, root FROM t LIMIT @cap)
		SELECT x.*, page.root, (SELECT count(*) FROM (SELECT 1 FROM t LIMIT @more) n)
		FROM page CROSS JOIN LATERAL (
			SELECT `+threadColumns+` FROM comments c
			WHERE c.id = page.id AND c.idea_id = @idea AND `+threadVisible+` OFFSET 0) x
		ORDER BY x.created_at, x.id`, map[string]any{"roots": int64Array(ids), "cap": ThreadPageCap, "more": ThreadPageCap + 1,
		"idea": ideaID, "viewer": viewerID(viewer), "staff": viewer.IsStaff()}).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// Scanned by hand: GORM's reflective Scan was an eighth of the page's
	// CPU for a 200-comment thread.
	var all []*Comment
	rootOf := map[int64]int64{}
	var read int
	for rows.Next() {
		c := &Comment{}
		var root int64
		if err := rows.Scan(&c.ID, &c.IdeaID, &c.ParentID, &c.AuthorID, &c.Body, &c.BodyHTML, &c.Depth, &c.Moderation,
			&c.ModerationReason, &c.StaffOnly, &c.OriginIdeaID, &c.OriginTitle, &c.CreatedAt, &c.EditedAt, &c.DeletedAt,
			&root, &read); err != nil {
			return nil, err
		}
		all = append(all, c)
		rootOf[c.ID] = root
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out.Truncated = read > ThreadPageCap
	if err := fillAuthors(db, all); err != nil {
		return nil, err
	}
	out.Roots = nest(all, ids, rootOf)
	return out, nil
}

// CommentURL links to one comment of an idea (at ideaPath) whose
// discussion is shown a page at a time: ?comment= opens the page that holds
// it and the fragment scrolls to it; notice, when set, is the page's
// ?notice=.
func CommentURL(ideaPath string, id int64, notice string) string {
	q := "?"
	if notice != "" {
		q += "notice=" + notice + "&"
	}
	return ideaPath + q + "comment=" + itoa(id) + "#comment-" + itoa(id)
}

// NotPublicComments counts, up to CountCap, the idea's comments that the
// viewer sees but members at large do not (not deleted): for staff every
// hidden, pending or spam comment and staff note, for a member their own
// hidden or pending ones, from those comments' own small index. The public
// ones are the idea's comment_count.
func NotPublicComments(ctx context.Context, db *gorm.DB, viewer *User, ideaID int64) (int, error) {
	if viewer == nil {
		return 0, nil
	}
	var n int
	err := db.WithContext(ctx).Raw(`SELECT count(*) FROM (SELECT 1 FROM comments c
		WHERE c.idea_id = @idea AND c.deleted_at IS NULL AND (c.moderation <> 'visible' OR c.staff_only)
		AND `+threadVisible+` LIMIT @n) s`,
		map[string]any{"idea": ideaID, "viewer": viewer.ID, "staff": viewer.IsStaff(), "n": CountCap + 1}).Row().Scan(&n)
	return n, err
}

// threadRoot is a top-level comment's place in the discussion's order.
type threadRoot struct {
	ID        int64
	CreatedAt time.Time
}

// threadRoots returns the top-level comments of the page q asks for, in
// order, and the page with its Earlier and Later cursors set.
func threadRoots(db *gorm.DB, ideaID int64, q ThreadQuery) ([]threadRoot, *ThreadPage, error) {
	out := &ThreadPage{}
	cond, order, desc := "", "c.created_at, c.id", false
	args := map[string]any{"idea": ideaID, "n": ThreadPageSize + 1}
	if q.Comment > 0 {
		var r threadRoot
		err := db.Raw(`WITH RECURSIVE up(id, parent_id, created_at) AS (
				SELECT id, parent_id, created_at FROM comments WHERE id = ? AND idea_id = ?
				UNION ALL
				SELECT p.id, p.parent_id, p.created_at FROM comments p JOIN up ON p.id = up.parent_id
			) SELECT id, created_at FROM up WHERE parent_id IS NULL`, q.Comment, ideaID).Scan(&r).Error
		if err != nil {
			return nil, nil, err
		}
		if r.ID > 0 {
			cond, args["t"], args["id"] = `AND (c.created_at, c.id) >= (@t, @id)`, r.CreatedAt, r.ID
		}
	} else if cur, ok := ParseCursor("new", q.After); ok {
		cond, args["t"], args["id"] = `AND (c.created_at, c.id) > (@t, @id)`, cur.Value, cur.ID
	} else if cur, ok := ParseCursor("new", q.Before); ok {
		cond, args["t"], args["id"] = `AND (c.created_at, c.id) < (@t, @id)`, cur.Value, cur.ID
		order, desc = "c.created_at DESC, c.id DESC", true
	}
	var roots []threadRoot
	err := db.Raw(`SELECT c.id, c.created_at FROM comments c
		WHERE c.idea_id = @idea AND c.parent_id IS NULL `+cond+`
		ORDER BY `+order+` LIMIT @n`, args).Scan(&roots).Error
	if err != nil {
		return nil, nil, err
	}
	more := len(roots) > ThreadPageSize
	if more {
		roots = roots[:ThreadPageSize]
	}
	if desc {
		slices.Reverse(roots)
	}
	if len(roots) == 0 {
		return nil, out, nil
	}
	first, last := roots[0], roots[len(roots)-1]
	// The side the page was read towards has more when the extra row came;
	// the other side is asked (one index probe), except on the first page,
	// which has nothing before it.
	earlier, later := false, more
	switch {
	case desc:
		earlier = more
		later, err = rootExists(db, ideaID, ">", last)
	case cond != "":
		earlier, err = rootExists(db, ideaID, "<", first)
	}
	if err != nil {
		return nil, nil, err
	}
	if earlier {
		out.Earlier = timeCursor(first.CreatedAt, first.ID)
	}
	if later {
		out.Later = timeCursor(last.CreatedAt, last.ID)
	}
	return roots, out, nil
}

// rootExists reports whether the discussion has a top-level comment
// before (op "<") or after (">") r.
func rootExists(db *gorm.DB, ideaID int64, op string, r threadRoot) (bool, error) {
	var found bool
	err := db.Raw(`SELECT EXISTS (SELECT 1 FROM comments c WHERE c.idea_id = ? AND c.parent_id IS NULL
		AND (c.created_at, c.id) `+op+` (?, ?))`, ideaID, r.CreatedAt, r.ID).Row().Scan(&found)
	return found, err
}

// nest hangs every comment under its parent and returns the top-level
// ones in the order of roots (each comment's top-level comment is in
// rootOf); a comment whose parent the viewer does not see stands at the top
// level in its top-level comment's place, oldest first.
func nest(all []*Comment, roots []int64, rootOf map[int64]int64) []*Comment {
	byID := make(map[int64]*Comment, len(all))
	for _, c := range all {
		byID[c.ID] = c
	}
	place := make(map[int64]int, len(roots))
	for i, id := range roots {
		place[id] = i
	}
	tops := make([][]*Comment, len(roots))
	for _, c := range all {
		if p, ok := byID[derefID(c.ParentID)]; ok && c.ParentID != nil {
			p.Replies = append(p.Replies, c)
			continue
		}
		i := place[rootOf[c.ID]]
		tops[i] = append(tops[i], c)
	}
	out := []*Comment{}
	for _, t := range tops {
		out = append(out, t...)
	}
	return out
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
