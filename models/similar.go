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

// Candidate pools of similar, each a bounded index scan (constant SQL). A
// pool never filters on visibility: that would offer the planner the list
// indexes (partial on visibility) to walk instead.
const (
	// similarPrefixPool: titles starting with the typed text, in the
	// order of ideas_title_prefix_idx, so the scan stops after 50 entries
	// however many titles share the start. An exact duplicate sorts first
	// and is found among any number of look-alikes.
	similarPrefixPool = `(SELECT i.id FROM ideas i
		WHERE lower(i.title) LIKE lower(@prefix)
		ORDER BY lower(i.title) USING ~<~ LIMIT 50)`
	// similarWordsPool: ideas whose title or description has every typed
	// word, the last one as a prefix (it is being typed), through
	// ideas_search_idx; the rarest word drives the scan.
	similarWordsPool = `(SELECT i.id FROM ideas i WHERE i.search @@ ` + similarTyped + ` LIMIT 200)`
	// similarTyped is the typed words as a query: @head whole words, @last
	// a word prefix (letters and digits only, or empty).
	similarTyped = `(plainto_tsquery('english', cw_unaccent(@head)) && to_tsquery('english', coalesce(nullif(cw_unaccent(@last), '') || ':*', '')))`
	// similarTrgmPool: titles like the text by trigrams either way, through
	// ideas_title_trgm_idx. Its cost grows with how many titles share the
	// text's rarest trigrams, so Similar runs it only when the bounded
	// pools found too few and nothing close (a typo, a new idea).
	similarTrgmPool = `(SELECT i.id FROM ideas i WHERE lower(i.title) % lower(@t) OR lower(@t) <% lower(i.title) LIMIT 300)`
)

// similarClose is the score of a close match: a title at least this
// alike, or one with every typed word and at least 0.45 alike.
const similarClose = 0.75

// similarModes are the candidate pools and the word match of Similar
// (typed text against titles and descriptions: bounded pools first, then
// with trigrams when they found fewer than asked and nothing close) and SimilarTitles
// (titles against titles, both ways); constant SQL, chosen by a bool.
// Each pool stops at a fixed number of rows, so ranking never reads more
// than their sum however many titles look alike.
var similarModes = map[bool]struct {
	pools [][]string
	words string
	// scans are the plans allowed (see similar).
	scans string
}{
	false: {
		scans: `SET LOCAL enable_seqscan = off`,
		pools: [][]string{{similarPrefixPool, similarWordsPool}, {similarPrefixPool, similarWordsPool, similarTrgmPool}},
		words: `i.search @@ ` + similarTyped,
	},
	true: {
		scans: `SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off`,
		pools: [][]string{{similarTrgmPool, `(SELECT i.id FROM ideas i WHERE i.title_words && (SELECT w FROM words) LIMIT 300)`}},
		words: `cardinality(i.title_words) > 0 AND (SELECT cardinality(w) > 0 FROM words)
				AND (i.title_words <@ (SELECT w FROM words) OR i.title_words @> (SELECT w FROM words))`,
	},
}

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
	mode := similarModes[mutual]
	title = strings.Join(strings.Fields(title), " ")
	out := []SimilarIdea{}
	if len([]rune(title)) < 3 {
		return out, nil
	}
	if p := textProblem(title); p != "" || len([]rune(title)) > 200 {
		return nil, &ValidationError{Fields: map[string]string{"title": "Title must be valid text of at most 200 characters."}}
	}
	head, last := typedWords(title)
	// @prefix: the title as a LIKE prefix (lower() leaves the escapes be).
	args := map[string]any{"t": title, "prefix": escapeLike(title) + "%", "head": head, "last": last, "viewer": viewerID(viewer), "limit": limit}
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
		// The candidate scans stop at a few hundred rows, which tempts the
		// planner to walk the table (or a list index) until it has found
		// that many, fine when a word is everywhere and a scan of the whole
		// table when it is rare (measured: 430 ms for "dark mode" at 100k).
		// Only the pools' own index scans are wanted: bitmap scans of the
		// trigram and word indexes, and the ordered title-prefix scan.
		if err := tx.Exec(mode.scans).Error; err != nil {
			return err
		}
		for _, pools := range mode.pools {
			out = out[:0]
			if err := tx.Raw(similarSQL(pools, mode.words), args).Scan(&out).Error; err != nil {
				return err
			}
			// Enough, or a close match (a title this alike, or every word
			// and a fairly alike title): the trigram pool would only add
			// looser ones, at a cost that grows with the community.
			if len(out) >= limit || len(out) > 0 && out[0].Score >= similarClose {
				break
			}
		}
		return nil
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
			SELECT i.id, similarity(lower(i.title), lower(@t)) AS sim,
				greatest(similarity(lower(i.title), lower(@t)), word_similarity(lower(@t), lower(i.title)),
					word_similarity(lower(i.title), lower(@t))) AS trgm,
				` + words + ` AS fts
			FROM pool p JOIN ideas i ON i.id = p.id
			WHERE i.moderation = 'visible' AND i.deleted_at IS NULL),
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
			SELECT ch.start, i.merged_into_id, ch.score, ch.hops + 1 FROM chain ch JOIN ideas i ON i.id = ch.cur
			WHERE i.merged_into_id IS NOT NULL AND ch.hops < 20),
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
