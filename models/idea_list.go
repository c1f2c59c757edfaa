package models

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Sorts maps each list tab to its ORDER BY; user text never reaches SQL.
// Every tab orders idea_ranks r (see rankedList).
var Sorts = map[string]string{
	"trending":  "r.score DESC, r.id DESC",
	"top":       "r.vote_count DESC, r.id DESC",
	"new":       "r.created_at DESC, r.id DESC",
	"discussed": "r.comment_count DESC, r.id DESC",
}

// SortNames lists the tabs in display order.
var SortNames = []string{"trending", "top", "new", "discussed"}

// ListQuery filters and orders the public idea list.
type ListQuery struct {
	Sort     string
	Category string
	Status   string
	Tag      string
	Q        string
	Page     Page
	// Product managers' CRM sorts and filters (idea_list_crm.go).
	Segment, Lifecycle string
	FX                 FX
	// After is the cursor of the previous page's last row (?after=, written
	// by IdeaPage.Next): the page seeks past it instead of skipping rows.
	After string
}

// filterNames name the free-text filters in messages.
var filterNames = map[string]string{"category": "The category", "tag": "The tag", "q": "Search text"}

// Validate checks the query against the allow-lists.
func (q *ListQuery) Validate() error {
	v := &ValidationError{}
	if q.Sort == "" {
		q.Sort = "trending"
	}
	if _, ok := Sorts[q.Sort]; !ok && CRMSorts[q.Sort] == "" {
		v.Add("sort", "sort must be one of trending, top, new, discussed.")
	}
	if q.Status != "" && (!slices.Contains(Statuses, q.Status) || q.Status == StatusMerged) {
		v.Add("status", "There is no status “"+clip(q.Status, 40)+"”.")
	}
	for field, s := range map[string]string{"category": q.Category, "tag": q.Tag, "q": q.Q} {
		if textProblem(s) != "" || utf8.RuneCountInString(s) > 200 {
			v.Add(field, filterNames[field]+" must be valid text of at most 200 characters.")
		}
	}
	if _, ok := ParseCursor(q.Sort, q.After); q.After != "" && !ok {
		v.Add("after", "after must be a next_after value from this list and sort.")
	}
	return v.Err()
}

// IdeaPage is one page of ideas.
type IdeaPage struct {
	Ideas []Idea
	Page  Page
	// Next is the cursor (?after=) of the page after this one, "" on the
	// last page.
	Next string
}

// publicIdeas is what every public list shows: visible, live, not merged.
const publicIdeas = `i.moderation = 'visible' AND i.deleted_at IS NULL AND i.merged_into_id IS NULL`

// searchScope is which ideas a search shows viewer: everyone finds public
// ideas, authors also their own pending, hidden or spam ones, and staff
// every idea not merged away, deleted ones included (pages mark them). Plain
// lists keep to publicIdeas, which their partial indexes cover.
func searchScope(viewer *User) string {
	switch {
	case viewer.IsStaff():
		return `i.merged_into_id IS NULL`
	case viewer != nil:
		return `i.deleted_at IS NULL AND i.merged_into_id IS NULL AND (i.moderation = 'visible' OR i.author_id = @viewer)`
	}
	return publicIdeas
}

// commentSearchScope is which comments a search reads for viewer, by the
// rules of the idea page's thread.
func commentSearchScope(viewer *User) string {
	switch {
	case viewer.IsStaff():
		return `cm.deleted_at IS NULL`
	case viewer != nil:
		return `cm.deleted_at IS NULL AND NOT cm.staff_only AND (cm.moderation = 'visible' OR cm.author_id = @viewer)`
	}
	return `cm.deleted_at IS NULL AND cm.moderation = 'visible' AND NOT cm.staff_only`
}

// ListIdeas returns one page of the idea list. It reads the stored counters
// and score; it never counts votes or comments, and it never counts every
// matching idea either: it fetches one row beyond the page to know whether
// another follows, and counts at most CountCap+1 rows for "Page 3 of 50+".
func ListIdeas(ctx context.Context, db *gorm.DB, viewer *User, q ListQuery) (*IdeaPage, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if err := q.crmListCheck(viewer, &ValidationError{}); err != nil {
		return nil, err
	}
	db = db.WithContext(ctx)
	if q.Category != "" {
		var known bool
		if err := db.Raw(`SELECT EXISTS (SELECT 1 FROM categories WHERE slug = ?)`, q.Category).Scan(&known).Error; err != nil {
			return nil, err
		}
		if !known {
			return nil, &ValidationError{Fields: map[string]string{"category": "There is no category “" + clip(q.Category, 40) + "”."}}
		}
	}
	where := []string{publicIdeas}
	if strings.TrimSpace(q.Q) != "" {
		where = []string{searchScope(viewer)}
	}
	args := map[string]any{"viewer": viewerID(viewer), "limit": q.Page.PerPage + 1, "offset": q.Page.Offset()}
	if q.Category != "" {
		// A subquery, not the join: the count below needs no joins at all
		// and stays an index-only scan.
		where = append(where, "i.category_id = (SELECT id FROM categories WHERE slug = @category)")
		args["category"] = q.Category
	}
	if q.Status != "" {
		where = append(where, "i.status = @status")
		args["status"] = q.Status
	}
	if q.Tag != "" {
		where = append(where, "i.tags @> CAST(@tags AS text[])")
		args["tags"], args["tag"] = Tags{strings.ToLower(q.Tag)}, strings.ToLower(q.Tag)
	}
	if strings.TrimSpace(q.Q) != "" {
		where = append(where, "i.search @@ websearch_to_tsquery('english', cw_unaccent(@q))")
		args["q"] = q.Q
	}
	where = append(where, crmListWhere(q, args)...)
	cond := strings.Join(where, " AND ") // what the count reads, on ideas alone (or idea_ranks, below)
	countFrom, page := "ideas i", joinedPage(q, cond, args)
	cur, seek := ParseCursor(q.Sort, q.After)
	if rankedOnly(q) {
		rare, err := rareTag(db, q, seek)
		if err != nil {
			return nil, err
		}
		page = deferredPage(q, rare)
		countFrom, cond = page.counted(), "true"
	}
	ideas := []Idea{}
	if seek {
		args["after_value"], args["after_id"] = cur.Value, cur.ID
		if err := db.Raw(page.sql(seekCond(q.Sort), ""), args).Scan(&ideas).Error; err != nil {
			return nil, err
		}
		// A cursor past everything (the rows behind it went away) is
		// read as its page number instead.
		seek = len(ideas) > 0
	}
	if !seek {
		if p, err := page.beyondSkip(db, q, args); p != nil || err != nil {
			return p, err
		}
		if err := db.Raw(page.sql("", ` OFFSET @offset`), args).Scan(&ideas).Error; err != nil {
			return nil, err
		}
	}
	p := &IdeaPage{Ideas: ideas, Page: q.Page}
	if len(ideas) > q.Page.PerPage {
		p.Ideas, p.Page.More = ideas[:q.Page.PerPage], true
		p.Next = cursorOf(q.Sort, &p.Ideas[len(p.Ideas)-1])
	}
	if err := countList(db, &p.Page, countFrom, cond, args, len(p.Ideas), seek); err != nil {
		return nil, err
	}
	if err := markViewer(db, viewer, p.Ideas); err != nil {
		return nil, err
	}
	return p, nil
}

// rankedList is the join and conditions of a tab: the tabs' orders live
// on idea_ranks (migrations 00033, 00040), whose partial indexes also hold
// the category and status the filters seek by, so a vote never rewrites
// an index of the wide ideas row. Both are "" for the CRM sorts. The
// conditions repeat the query's filters on r for the indexes.
func rankedList(q ListQuery) (join, cond string) {
	if _, ok := Sorts[q.Sort]; !ok {
		return "", ""
	}
	if strings.TrimSpace(q.Q) == "" { // a search's scope may reach past the public lists
		cond += " AND r.listed"
	}
	if q.Category != "" {
		cond += " AND r.category_id = (SELECT id FROM categories WHERE slug = @category)"
	}
	if q.Status != "" {
		cond += " AND r.status = @status"
	}
	return " JOIN idea_ranks r ON r.id = i.id", cond
}

// countList fills pg's total for a list of rows from (a constant table
// and alias: "ideas i", "crm_accounts a") matching cond. The last page,
// reached by offset, knows it from its own rows; otherwise the count stops
// at CountCap+1. A page past the end counts exactly to link the last page:
// fewer rows than the offset it has just skipped, so no more than that scan.
func countList(db *gorm.DB, pg *Page, from, cond string, args map[string]any, rows int, seek bool) error {
	if !seek && !pg.More && (rows > 0 || pg.Number == 1) {
		pg.Total = int64(pg.Offset() + rows)
		return nil
	}
	if rows == 0 {
		return rawNamed(db, `SELECT count(*) FROM `+from+` WHERE `+cond, args).Scan(&pg.Total).Error
	}
	if err := rawNamed(db, `SELECT count(*) FROM (SELECT 1 FROM `+from+` WHERE `+cond+` LIMIT `+strconv.Itoa(CountCap+1)+`) n`, args).
		Scan(&pg.Total).Error; err != nil {
		return err
	}
	if pg.Total > CountCap {
		pg.Total, pg.Capped = CountCap, true
	} else if seek {
		// The page number of a cursor link is only what the link says.
		pg.Number = min(pg.Number, pg.Pages())
	}
	return nil
}

// markViewer fills Voted and Following for a signed-in viewer with one
// query on the viewer's own rows (votes_user_idx, follows_user_idx), one
// probe per idea on the page (marksSQL), whatever the viewer has voted on.
func markViewer(db *gorm.DB, viewer *User, ideas []Idea) error {
	if viewer == nil || len(ideas) == 0 {
		return nil
	}
	ids := make([]int64, len(ideas))
	for i := range ideas {
		ids[i] = ideas[i].ID
	}
	var marks []struct {
		IdeaID int64
		Kind   string
	}
	page := int8Array(ids)
	err := db.Raw(`SELECT idea_id, 'vote' AS kind FROM (`+marksSQL("votes")+`) v
		UNION ALL SELECT idea_id, 'follow' FROM (`+marksSQL("follows")+`) f`, page, viewer.ID, page, viewer.ID).
		Scan(&marks).Error
	if err != nil {
		return err
	}
	at := make(map[int64]int, len(ideas))
	for i := range ideas {
		at[ideas[i].ID] = i
	}
	for _, m := range marks {
		if m.Kind == "vote" {
			ideas[at[m.IdeaID]].Voted = true
		} else {
			ideas[at[m.IdeaID]].Following = true
		}
	}
	return nil
}

// rawNamed runs a query with named arguments; GORM would otherwise bind the
// map as one positional argument when the SQL happens to name none.
func rawNamed(db *gorm.DB, query string, args map[string]any) *gorm.DB {
	if !strings.Contains(query, "@") {
		return db.Raw(query)
	}
	return db.Raw(query, args)
}

// PublicIdeaIDs reports which of ids are ideas every visitor may see now.
func PublicIdeaIDs(ctx context.Context, db *gorm.DB, ids []int64) (map[int64]bool, error) {
	var found []int64
	err := db.WithContext(ctx).Raw(`SELECT i.id FROM ideas i WHERE i.id IN ? AND `+publicIdeas, ids).Scan(&found).Error
	out := make(map[int64]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, err
}
