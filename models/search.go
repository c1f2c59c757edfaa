package models

import (
	"context"
	"html"
	"html/template"
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
	match := `WITH query AS (SELECT websearch_to_tsquery('english', cw_unaccent(@q)) AS tsq),
		-- Ranking costs a call per match; a very common word would rank
		-- every row. Each side is capped (searchCap), so totals read
		-- "at least" for such words, and responses stay fast.
		-- The query is written out (a constant to the planner) so each
		-- side reads its GIN index; the ideas' scope is applied in shown,
		-- as here it would offer the planner the list indexes (partial on
		-- visibility) to walk until it has searchCap rows.
		idea_hits AS (
			SELECT i.id, i.search FROM ideas i
			WHERE i.search @@ websearch_to_tsquery('english', cw_unaccent(@q)) LIMIT ` + searchCap + `),
		comment_hits AS (
			SELECT cm.idea_id, cm.search FROM comments cm
			WHERE cm.search @@ websearch_to_tsquery('english', cw_unaccent(@q)) AND ` + commentSearchScope(viewer) + `
			LIMIT ` + searchCap + `),
		hits AS (
			SELECT h.id, ts_rank_cd(h.search, query.tsq) AS rank FROM idea_hits h, query
			UNION ALL
			SELECT h.idea_id, 0.5 * ts_rank_cd(h.search, query.tsq) FROM comment_hits h, query),
		ranked AS (SELECT id, sum(rank) AS rank FROM hits GROUP BY id),
		-- Rank and count narrow rows; only the page's ideas are joined
		-- for their columns and headlines.
		shown AS (SELECT r.id, r.rank, i.vote_count FROM ranked r JOIN ideas i ON i.id = r.id WHERE ` + scope + `),
		page AS (SELECT id, rank, count(*) OVER () AS total FROM shown
			ORDER BY rank DESC, vote_count DESC, id DESC LIMIT @limit OFFSET @offset)`
	db = db.WithContext(ctx)
	var rows []struct {
		SearchHit
		Total int64
	}
	err := db.Raw(match+` SELECT `+ideaSelect+`, p.rank, p.total,
			ts_headline('english', i.title || ': ' || left(i.body_text, 2000), (SELECT tsq FROM query),
				'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', MaxWords=30, MinWords=12, MaxFragments=2') AS snippet
		FROM page p JOIN ideas i ON i.id = p.id JOIN categories c ON c.id = i.category_id JOIN users u ON u.id = i.author_id
		ORDER BY p.rank DESC, i.vote_count DESC, i.id DESC`, args).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		res.Hits = append(res.Hits, r.SearchHit)
		res.Page.Total = r.Total
	}
	if len(rows) == 0 && page.Number > 1 {
		// Past the end: count, to link the last page.
		if err := db.Raw(match+` SELECT count(*) FROM shown`, args).Scan(&res.Page.Total).Error; err != nil {
			return nil, err
		}
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
