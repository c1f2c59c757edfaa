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

// SimilarIdea is a possible duplicate of a title being typed.
type SimilarIdea struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	Status    string `json:"status"`
	VoteCount int    `json:"vote_count"`
	Voted     bool   `json:"voted"`
	// Votable is whether voting is open (not shipped or declined), so a
	// suggestion offers "vote for this instead" only where that can work.
	Votable bool    `json:"votable"`
	Score   float64 `json:"-"`
}

// URL is the idea's canonical path.
func (s SimilarIdea) URL() string { return (&Idea{ID: s.ID, Title: s.Title}).URL() }

// Similar returns up to limit ideas whose title is like title (trigram) or
// whose text matches it (full text): the suggestions while a title is
// typed. Merged ideas count as their final target; hidden, pending and
// deleted ideas never show.
func Similar(ctx context.Context, db *gorm.DB, viewer *User, title string, limit int) ([]SimilarIdea, error) {
	return similar(ctx, db, viewer, title, limit, false)
}

// SimilarTitles returns up to limit ideas whose title is like title either
// way round: the "similar ideas" of an idea's page, which must be mutual
// (when A lists B, B lists A) so a moderator on the original sees its
// duplicate. Titles are compared, never descriptions: trigram similarity or
// word similarity in either direction, or every word of one title among the
// other's. Candidates come through the title-words index (a shared word),
// so a long original finds the short duplicate it contains.
func SimilarTitles(ctx context.Context, db *gorm.DB, viewer *User, title string, limit int) ([]SimilarIdea, error) {
	return similar(ctx, db, viewer, title, limit, true)
}

// similarModes are the candidate conditions and the word match of Similar
// (typed text against titles and descriptions) and SimilarTitles (titles
// against titles, both ways); constant SQL, chosen by a bool. Candidates
// come from two index scans, trigram (ideas_title_trgm_idx) and words
// (ideas_search_idx or ideas_title_words_idx), each stopped at
// similarPool rows, so ranking never reads more than twice that however
// many titles look alike (a community with a thousand "Export … to CSV"
// ideas ranks an arbitrary few hundred of them).
var similarModes = map[bool]struct{ trgm, wordsWhere, words string }{
	false: {
		trgm:       `lower(i.title) % lower(@t) OR lower(@t) <% lower(i.title)`,
		wordsWhere: `i.search @@ plainto_tsquery('english', cw_unaccent(@t))`,
		words:      `i.search @@ plainto_tsquery('english', cw_unaccent(@t))`,
	},
	true: {
		trgm:       `lower(i.title) % lower(@t) OR lower(@t) <% lower(i.title)`,
		wordsWhere: `i.title_words && (SELECT w FROM words)`,
		words: `cardinality(i.title_words) > 0 AND (SELECT cardinality(w) > 0 FROM words)
				AND (i.title_words <@ (SELECT w FROM words) OR i.title_words @> (SELECT w FROM words))`,
	},
}

// similarPool bounds each candidate scan of similar.
const similarPool = "300"

func similar(ctx context.Context, db *gorm.DB, viewer *User, title string, limit int, mutual bool) ([]SimilarIdea, error) {
	mode := similarModes[mutual]
	title = strings.Join(strings.Fields(title), " ")
	out := []SimilarIdea{}
	if len([]rune(title)) < 3 {
		return out, nil
	}
	if p := textProblem(title); p != "" || len([]rune(title)) > 200 {
		return nil, &ValidationError{Fields: map[string]string{"title": "Title must be valid text of at most 200 characters."}}
	}
	// The trigram index only prunes at pg_trgm.similarity_threshold; raising
	// it to the cut-off used below keeps the index scan from rechecking
	// thousands of loosely similar titles (measured: 380 ms → 90 ms at 100k).
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL pg_trgm.similarity_threshold = 0.45`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`SET LOCAL pg_trgm.word_similarity_threshold = 0.45`).Error; err != nil {
			return err
		}
		// The candidate scans stop at similarPool rows, which tempts the
		// planner to walk the table (or a list index) until it has found
		// that many, fine when a word is everywhere and a scan of the whole
		// table when it is rare (measured: 430 ms for "dark mode" at 100k).
		// Only bitmap scans of the trigram and word indexes are wanted.
		if err := tx.Exec(`SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off`).Error; err != nil {
			return err
		}
		return tx.Raw(`
		WITH RECURSIVE words AS (SELECT tsvector_to_array(to_tsvector('english', cw_unaccent(@t))) AS w),
		-- Word similarity is asymmetric ("dark mode" is all in "dark mode
		-- for reports", not the other way): take it both ways.
		-- No visibility test here: it would offer the planner the list
		-- indexes (partial on visibility) to walk instead.
		pool AS (
			(SELECT i.id FROM ideas i WHERE `+mode.trgm+` LIMIT `+similarPool+`)
			UNION
			(SELECT i.id FROM ideas i WHERE `+mode.wordsWhere+` LIMIT `+similarPool+`)),
		raw AS (
			SELECT i.id, greatest(similarity(lower(i.title), lower(@t)), word_similarity(lower(@t), lower(i.title)),
					word_similarity(lower(i.title), lower(@t))) AS trgm,
				`+mode.words+` AS fts
			FROM pool p JOIN ideas i ON i.id = p.id
			WHERE i.moderation = 'visible' AND i.deleted_at IS NULL),
		-- Trigram overlap alone is noisy ("mode for the"); demand a close
		-- title or every word of the text to match.
		cand AS (
			SELECT id, trgm + CASE WHEN fts THEN 0.3 ELSE 0 END AS score FROM raw
			WHERE fts OR trgm >= 0.45
			ORDER BY score DESC LIMIT 50),
		chain AS (
			SELECT c.id AS start, c.id AS cur, c.score, 0 AS hops FROM cand c
			UNION ALL
			SELECT ch.start, i.merged_into_id, ch.score, ch.hops + 1 FROM chain ch JOIN ideas i ON i.id = ch.cur
			WHERE i.merged_into_id IS NOT NULL AND ch.hops < 20),
		final AS (
			SELECT DISTINCT ON (start) start, cur, score FROM chain ORDER BY start, hops DESC),
		best AS (SELECT cur AS id, max(score) AS score FROM final GROUP BY cur)
		SELECT i.id, i.title, i.status, i.vote_count, b.score, (`+votableSQL+`) AS votable,
			EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = @viewer) AS voted
		FROM best b JOIN ideas i ON i.id = b.id
		WHERE i.moderation = 'visible' AND i.deleted_at IS NULL AND i.merged_into_id IS NULL
		ORDER BY b.score DESC, i.vote_count DESC, i.id DESC LIMIT @limit`,
			map[string]any{"t": title, "viewer": viewerID(viewer), "limit": limit}).Scan(&out).Error
	})
	return out, err
}
