package models

import (
	"context"
	"strings"

	"gorm.io/gorm"
)

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

// FreshSimilar brings cached suggestions up to date for viewer in one
// primary-key query: it drops the ideas no longer public (hidden, merged or
// deleted since) and refreshes each one's status, votes, whether it can be
// voted for and whether viewer voted for it, keeping the cached order.
func FreshSimilar(ctx context.Context, db *gorm.DB, viewer *User, ideas []SimilarIdea) ([]SimilarIdea, error) {
	out := []SimilarIdea{}
	if len(ideas) == 0 {
		return out, nil
	}
	ids := make([]int64, len(ideas))
	for i, x := range ideas {
		ids[i] = x.ID
	}
	var rows []SimilarIdea
	err := db.WithContext(ctx).Raw(`SELECT i.id, i.title, i.status, i.vote_count, (`+votableSQL+`) AS votable,
			EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = ?) AS voted
		FROM ideas i WHERE i.id IN ? AND `+publicIdeas, viewerID(viewer), ids).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]SimilarIdea, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	for _, x := range ideas {
		if r, ok := byID[x.ID]; ok {
			r.Score = x.Score
			out = append(out, r)
		}
	}
	return out, nil
}
