package models

import (
	"context"
	"html"
	"html/template"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// SearchHit is an idea that matched a search, with a highlighted snippet.
type SearchHit struct {
	Idea
	Rank    float64
	Snippet template.HTML `gorm:"-"`
	Raw     string        `gorm:"column:snippet"`
}

// SearchResult is one page of search hits.
type SearchResult struct {
	Hits []SearchHit
	Page Page
}

// Highlight markers: control characters that cannot occur in stored text
// (titles and bodies refuse them), replaced after HTML escaping.
const (
	markOpen  = "\x01"
	markClose = "\x02"
)

// searchCap bounds the matches ranked per side (ideas, comments).
const searchCap = "2000"

// Search ranks ideas whose title, body or visible comments match q
// (websearch syntax: quotes, OR, -word), unaccented. An empty or stop-word
// query simply finds nothing.
func Search(ctx context.Context, db *gorm.DB, viewer *User, q string, page Page) (*SearchResult, error) {
	q = strings.TrimSpace(q)
	res := &SearchResult{Hits: []SearchHit{}, Page: page}
	if q == "" {
		return res, nil
	}
	if p := textProblem(q); p != "" || len([]rune(q)) > 200 {
		return nil, &ValidationError{Fields: map[string]string{"q": "Search text must be valid text of at most 200 characters."}}
	}
	args := map[string]any{"q": q, "viewer": viewerID(viewer), "limit": page.PerPage, "offset": page.Offset()}
	scope := searchScope(viewer)
	match := `WITH query AS MATERIALIZED (SELECT websearch_to_tsquery('english', cw_unaccent(@q)) AS tsq),
		-- Ranking costs a call per match; a very common word would rank
		-- every row. Each side is capped (searchCap), so totals read
		-- "at least" for such words, and responses stay fast.
		-- The query is written out (a constant to the planner) so each
		-- side reads its GIN index. An idea's row is read once: its rank,
		-- votes and whether viewer may see it come with the match (the
		-- scope is a column, not a filter, else the planner would walk
		-- the list indexes until it has searchCap visible rows).
		idea_hits AS MATERIALIZED (
			SELECT i.id, ts_rank_cd(i.search, (SELECT tsq FROM query)) AS rank, i.vote_count, (` + scope + `) AS shown
			FROM ideas i
			WHERE i.search @@ websearch_to_tsquery('english', cw_unaccent(@q)) LIMIT ` + searchCap + `),
		comment_hits AS MATERIALIZED (
			SELECT cm.idea_id AS id, sum(0.5 * ts_rank_cd(cm.search, (SELECT tsq FROM query))) AS rank FROM (
				SELECT cm.idea_id, cm.search FROM comments cm
				WHERE cm.search @@ websearch_to_tsquery('english', cw_unaccent(@q)) AND ` + commentSearchScope(viewer) + `
				LIMIT ` + searchCap + `) cm
			GROUP BY cm.idea_id),
		own AS (
			SELECT h.id, h.rank + coalesce(c.rank, 0) AS rank, h.vote_count
			FROM idea_hits h LEFT JOIN comment_hits c ON c.id = h.id WHERE h.shown),
		-- Ideas found only by their comments need their row (scope,
		-- votes). When the ideas' own matches already fill this page and
		-- one more row, and outnumber CountCap (the total shows "1,000+"),
		-- only those ranked at least as high as that next row can reach
		-- the page: the rest are never read.
		bar AS (
			SELECT (SELECT count(*) FROM own) > ` + strconv.Itoa(CountCap) + ` AS many,
				(SELECT rank FROM own ORDER BY rank DESC OFFSET CAST(@offset AS int) + CAST(@limit AS int) LIMIT 1) AS rank),
		reach AS MATERIALIZED (
			SELECT c.id, c.rank, (SELECT i.vote_count FROM ideas i WHERE i.id = c.id AND ` + scope + `) AS vote_count
			FROM comment_hits c, bar
			WHERE (NOT bar.many OR bar.rank IS NULL OR c.rank >= bar.rank)
				AND NOT EXISTS (SELECT 1 FROM idea_hits h WHERE h.id = c.id)),
		-- (vote_count is never null: a null is an idea viewer may not see.)
		others AS (SELECT id, rank, vote_count FROM reach WHERE vote_count IS NOT NULL),
		shown AS (SELECT id, rank, vote_count FROM own UNION ALL SELECT id, rank, vote_count FROM others),
		-- Only the page's ideas are joined for their columns and headlines.
		page AS (SELECT id, rank, count(*) OVER () AS total FROM shown
			ORDER BY rank DESC, vote_count DESC, id DESC LIMIT @limit OFFSET @offset)`
	var rows []struct {
		SearchHit
		Total int64
	}
	// A common word matches more rows than the caps take, and which ones
	// are taken must not vary between requests (or page 2 would repeat
	// page 1). For a word in a few percent of rows the planner reads the
	// table from its start until the cap is reached — cheaper than a GIN
	// bitmap of every match, O(matches) — so every connection runs with
	// synchronized scans off (Open): a scan starts at the table's start,
	// and the search is one statement, no transaction around it.
	db = db.WithContext(ctx)
	err := db.Raw(match+` SELECT `+ideaSelect+`, p.rank, p.total,
		ts_headline('english', i.title || ': ' || left(i.body_text, 2000), (SELECT tsq FROM query),
			'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=30, MinWords=12, MaxFragments=2') AS snippet
		FROM page p JOIN ideas i ON i.id = p.id JOIN categories c ON c.id = i.category_id JOIN users u ON u.id = i.author_id
		ORDER BY p.rank DESC, i.vote_count DESC, i.id DESC`, args).Scan(&rows).Error
	if err == nil && len(rows) == 0 && page.Number > 1 {
		// Past the end: count, to link the last page.
		err = db.Raw(match+` SELECT count(*) FROM shown`, args).Scan(&res.Page.Total).Error
	}
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		res.Hits = append(res.Hits, r.SearchHit)
		res.Page.Total = r.Total
	}
	if res.Page.Total > CountCap && len(rows) > 0 {
		res.Page.More = int64(page.Offset()+len(rows)) < res.Page.Total
		res.Page.Total, res.Page.Capped = CountCap, true
	}
	for i := range res.Hits {
		res.Hits[i].Snippet = highlight(res.Hits[i].Raw)
	}
	return res, nil
}

// highlight escapes the snippet, then turns the markers into <mark>.
func highlight(s string) template.HTML {
	s = html.EscapeString(strings.NewReplacer(markOpen+markClose, "").Replace(s))
	s = strings.NewReplacer(markOpen, "<mark>", markClose, "</mark>").Replace(s)
	return template.HTML(s) // #nosec: every byte of user text was escaped above
}
