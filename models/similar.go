package models

import (
	"context"
	"strings"
	"unicode"

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

// Candidate pools, each a bounded index scan (constant SQL). A pool never
// filters on visibility: that would offer the planner the list indexes
// (partial on visibility) to walk instead.
const (
	// similarPrefixPool: titles starting with the typed text, in the
	// order of ideas_title_prefix_idx, so the scan stops after 50 entries
	// however many titles share the start. An exact duplicate sorts first
	// and is found among any number of look-alikes. A range rather than
	// LIKE: it bounds the index scan in a generic plan too (see
	// similarWhileTyping); U+10FFFF sorts after any character.
	// It carries what the pool's ordering reads (see similarTypedPool).
	similarPrefixPool = `(SELECT i.id, i.title, i.title_words FROM ideas i
		WHERE lower(i.title) ~>=~ lower(@t) AND lower(i.title) ~<~ (lower(@t) || chr(1114111))
		ORDER BY lower(i.title) USING ~<~ LIMIT 50)`
	// similarTyped is the typed words as a query: @head whole words, @last
	// a word prefix (letters and digits only, or empty). Similar ranks a
	// title or description with every typed word higher.
	similarTyped = `(plainto_tsquery('english', cw_unaccent(@head)) && to_tsquery('english', coalesce(nullif(cw_unaccent(@last), '') || ':*', '')))`
	// similarTrgmPool: titles like the text by trigrams either way, through
	// ideas_title_trgm_idx, and similarSharedWordPool: titles with a word
	// of the text, through ideas_title_words_idx. Their cost grows with
	// how many titles share the text's trigrams and words: fine for an
	// idea page's cached list, too much on every typing pause (Similar
	// reads the word list instead, see similar_typed.go).
	similarTrgmPool       = `(SELECT i.id FROM ideas i WHERE lower(i.title) % lower(@t) OR lower(@t) <% lower(i.title) LIMIT 300)`
	similarSharedWordPool = `(SELECT i.id FROM ideas i WHERE i.title_words && (SELECT w FROM words) LIMIT 300)`
	// similarMutualWords: every word of one title among the other's.
	similarMutualWords = `cardinality(i.title_words) > 0 AND (SELECT cardinality(w) > 0 FROM words)
				AND (i.title_words <@ (SELECT w FROM words) OR i.title_words @> (SELECT w FROM words))`
)

// typedWords splits typed text into its whole words and the word being
// typed: the last run of letters and digits, when it is at least 3 long
// (a shorter prefix would match a good part of the vocabulary) and
// nothing follows it. Only letters and digits go into last, so it cannot
// carry query syntax into to_tsquery.
func typedWords(title string) (head, last string) {
	r := []rune(title)
	i := len(r)
	for i > 0 && (unicode.IsLetter(r[i-1]) || unicode.IsDigit(r[i-1])) {
		i--
	}
	if len(r)-i < 3 {
		return title, ""
	}
	return string(r[:i]), string(r[i:])
}

func similar(ctx context.Context, db *gorm.DB, viewer *User, title string, limit int, mutual bool) ([]SimilarIdea, error) {
	title = strings.Join(strings.Fields(title), " ")
	out := []SimilarIdea{}
	if len([]rune(title)) < 3 {
		return out, nil
	}
	if p := textProblem(title); p != "" || len([]rune(title)) > 200 {
		return nil, &ValidationError{Fields: map[string]string{"title": "Title must be valid text of at most 200 characters."}}
	}
	head, last := typedWords(title)
	args := map[string]any{"t": title, "head": head, "last": last, "viewer": viewerID(viewer), "limit": limit}
	if !mutual {
		return similarWhileTyping(ctx, db, title, args)
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The trigram index only prunes at pg_trgm.similarity_threshold;
		// raising it to the cut-off used below keeps the index scan from
		// rechecking thousands of loosely similar titles (measured: 380 ms
		// → 90 ms at 100k).
		//
		// The candidate scans stop at a few hundred rows, which tempts the
		// planner to walk the table (or a list index) until it has found
		// that many, fine when a word is everywhere and a scan of the whole
		// table when it is rare (measured: 430 ms for "dark mode" at 100k).
		// Only the pools' own bitmap scans are wanted.
		if err := tx.Exec(`SET LOCAL pg_trgm.similarity_threshold = 0.45; SET LOCAL pg_trgm.word_similarity_threshold = 0.45;
			SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off`).Error; err != nil {
			return err
		}
		return tx.Raw(similarSQL([]string{similarTrgmPool, similarSharedWordPool}, similarMutualWords), args).Scan(&out).Error
	})
	return out, err
}

// similarSQL ranks the ideas of pools (constant SQL) against @t.
func similarSQL(pools []string, words string) string {
	return `
		WITH RECURSIVE words AS (SELECT tsvector_to_array(to_tsvector('english', cw_unaccent(@t))) AS w),
		pool AS (` + strings.Join(pools, " UNION ") + `),
		-- Word similarity is asymmetric ("dark mode" is all in "dark mode
		-- for reports", not the other way): take it both ways.
		raw AS (
			SELECT x.id, x.sim, greatest(x.sim, word_similarity(lower(@t), x.title), word_similarity(x.title, lower(@t))) AS trgm, x.fts
			FROM (SELECT i.id, lower(i.title) AS title, similarity(lower(i.title), lower(@t)) AS sim, ` + words + ` AS fts
				FROM pool p JOIN ideas i ON i.id = p.id
				WHERE i.moderation = 'visible' AND i.deleted_at IS NULL
				OFFSET 0) x
			OFFSET 0), -- OFFSET 0: each similarity once (each costs tens of µs), in the filter and the score alike
		-- Trigram overlap alone is noisy ("mode for the"); demand a close
		-- title or every word of the text to match. Word similarity is 1
		-- for every title containing the text; a little of the plain
		-- similarity ranks the exact duplicate above them.
		cand AS (
			SELECT id, trgm + CASE WHEN fts THEN 0.3 ELSE 0 END + 0.05 * sim AS score FROM raw
			WHERE fts OR trgm >= 0.45
			ORDER BY score DESC LIMIT 50),
		chain AS (
			SELECT c.id AS start, c.id AS cur, c.score, 0 AS hops FROM cand c
			UNION ALL
			-- LIMIT 1: a primary-key lookup per candidate, never a hash of
			-- every merged idea (the planner's pick for a plain join).
			SELECT ch.start, m.merged_into_id, ch.score, ch.hops + 1 FROM chain ch,
				LATERAL (SELECT i.merged_into_id FROM ideas i WHERE i.id = ch.cur AND i.merged_into_id IS NOT NULL LIMIT 1) m
			WHERE ch.hops < 20),
		final AS (
			SELECT DISTINCT ON (start) start, cur, score FROM chain ORDER BY start, hops DESC),
		best AS (SELECT cur AS id, max(score) AS score FROM final GROUP BY cur)
		SELECT i.id, i.title, i.status, i.vote_count, b.score, (` + votableSQL + `) AS votable,
			EXISTS (SELECT 1 FROM votes v WHERE v.idea_id = i.id AND v.user_id = @viewer) AS voted
		FROM best b JOIN ideas i ON i.id = b.id
		WHERE i.moderation = 'visible' AND i.deleted_at IS NULL AND i.merged_into_id IS NULL
		ORDER BY b.score DESC, i.vote_count DESC, i.id DESC LIMIT @limit`
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
