package models

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"gorm.io/gorm"
)

// The suggestions for a title being typed (Similar) read the title word
// list (title_word_counts, migration 00026) first: it says which typed
// words titles have and how many, completes the word being typed and
// corrects typos, all on a list of thousands of words instead of a
// million titles. Candidates then come only through words rare enough
// that their index entries are short, and the title prefix in index order.
// Measured at 1M ideas, before: the last word as a full-text prefix and
// the trigram fallback read posting lists of tens of thousands of titles
// (30–2,000 ms); a word in 456k titles alone costs 600 ms to list, one in
// 450 titles 0.3 ms.
const (
	// similarWordCap: a word in more suggestable titles than this never
	// drives a candidate scan (it only counts in the ranking).
	similarWordCap = 3000
	// similarWordPools: at most this many rarest typed words fetch
	// candidates, so the statement reads a bounded number of entries.
	similarWordPools = 3
	// similarMaxTokens bounds the words of a title looked up.
	similarMaxTokens = 16
	// similarTopCandidates: how many candidates are ranked by trigrams.
	similarTopCandidates = 40
)

// similarWordsSQL looks the typed words up in the word list: each word's
// own lexeme when titles have it ("word"), else the closest listed word by
// trigrams when the lexeme has at least 4 letters ("fix", a typo), and the
// 3 most frequent words the last word starts with ("completion", n = 0).
// @toks is the typed words separated by spaces, @last the word being
// typed or ”.
const similarWordsSQL = `
	WITH tok AS (
		SELECT x.n::int AS n, (tsvector_to_array(to_tsvector('english', cw_unaccent(x.t))))[1] COLLATE "C" AS lex
		FROM unnest(string_to_array(@toks, ' ')) WITH ORDINALITY AS x(t, n)),
	known AS (SELECT tok.n, d.word, d.ideas FROM tok JOIN title_word_counts d ON d.word = tok.lex WHERE d.ideas > 0)
	SELECT n, 'word' AS kind, word, ideas FROM known
	UNION ALL
	SELECT tok.n, 'fix', f.word, f.ideas FROM tok CROSS JOIN LATERAL (
		SELECT d.word, d.ideas FROM title_word_counts d
		WHERE d.word % tok.lex AND d.ideas > 0
		ORDER BY similarity(d.word, tok.lex) DESC, d.ideas DESC, d.word LIMIT 1) f
	WHERE length(tok.lex) >= 4 AND tok.n NOT IN (SELECT n FROM known)
	UNION ALL
	(SELECT 0, 'completion', d.word, d.ideas
		FROM title_word_counts d, (SELECT lower(cw_unaccent(@last)) COLLATE "C" AS p) l
		WHERE l.p <> '' AND d.word >= l.p AND d.word < l.p || chr(1114111) AND d.ideas > 0
		ORDER BY d.ideas DESC, d.word LIMIT 3)`

// similarHasWord is, for the K-th rarest typed word, "the title has it"
// (@rK is a word, or the words the last word may be, separated by
// spaces), through ideas_title_words_idx. Every word is in at most
// similarWordCap titles, so each index scan reads a bounded number of
// entries.
var similarHasWord = [similarWordPools]string{
	`i.title_words && string_to_array(@r1, ' ')`,
	`i.title_words && string_to_array(@r2, ' ')`,
	`i.title_words && string_to_array(@r3, ' ')`,
}

// similarWordPool is the ideas with each of the n rarest typed words.
func similarWordPool(n int) string {
	return `(SELECT i.id, i.title, i.title_words FROM ideas i WHERE ` + strings.Join(similarHasWord[:n], " AND ") + ` LIMIT 100)`
}

// similarSingleWordPool is the ideas with the k-th rarest typed word
// (from 0): with two or three rare words, one of them may be wrong (a typo
// corrected to another word, a word the duplicate does not have).
func similarSingleWordPool(k int) string {
	return `(SELECT i.id, i.title, i.title_words FROM ideas i WHERE ` + similarHasWord[k] + ` LIMIT 30)`
}

// typedTokens are the words of title (runs of letters and digits, lower
// case, at most similarMaxTokens of them) and the word being typed: the
// last one when nothing follows it and it has at least 2 letters.
func typedTokens(title string) (toks []string, last string) {
	fields := strings.FieldsFunc(strings.ToLower(title), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(fields) > similarMaxTokens {
		fields = fields[:similarMaxTokens]
	} else if n := len(fields); n > 0 {
		r := []rune(title)
		if end := r[len(r)-1]; (unicode.IsLetter(end) || unicode.IsDigit(end)) && len([]rune(fields[n-1])) >= 2 {
			last = fields[n-1]
		}
	}
	return fields, last
}

// similarWordHit is a row of similarWordsSQL.
type similarWordHit struct {
	N     int
	Kind  string
	Word  string
	Ideas int
}

// similarRequirement is a typed word as title words: one word, or the
// words the last word may become; ideas is how many titles have one.
type similarRequirement struct {
	words []string
	ideas int
}

// similarRequirements turns the word list's answers into what candidates
// must have, rarest first: each typed word's own word or else its typo
// fix, the last word as itself or any of its completions (or else its
// fix). Words too common to scan for, and the ones past the rarest
// similarWordPools, are left to the ranking.
func similarRequirements(hits []similarWordHit, ntoks int, typing bool) (reqs []similarRequirement, words []string) {
	own, fix := map[int]similarWordHit{}, map[int]similarWordHit{}
	var completions []similarWordHit
	for _, h := range hits {
		switch h.Kind {
		case "word":
			own[h.N] = h
		case "fix":
			fix[h.N] = h
		case "completion":
			completions = append(completions, h)
		}
	}
	seen := map[string]bool{}
	add := func(r similarRequirement) {
		key := strings.Join(r.words, " ")
		words = append(words, r.words...)
		if len(r.words) > 0 && !seen[key] && r.ideas <= similarWordCap {
			seen[key] = true
			reqs = append(reqs, r)
		}
	}
	for n := 1; n <= ntoks; n++ {
		if n == ntoks && typing {
			r := similarRequirement{}
			if h, ok := own[n]; ok {
				r = similarRequirement{[]string{h.Word}, h.Ideas}
			}
			for _, c := range completions {
				if len(r.words) == 0 || c.Word != r.words[0] {
					r.words = append(r.words, c.Word)
					r.ideas += c.Ideas
				}
			}
			if h, ok := fix[n]; ok && len(r.words) == 0 {
				r = similarRequirement{[]string{h.Word}, h.Ideas}
			}
			add(r)
			continue
		}
		if h, ok := own[n]; ok {
			add(similarRequirement{[]string{h.Word}, h.Ideas})
		} else if h, ok := fix[n]; ok {
			add(similarRequirement{[]string{h.Word}, h.Ideas})
		}
	}
	sort.SliceStable(reqs, func(a, b int) bool { return reqs[a].ideas < reqs[b].ideas })
	if len(reqs) > similarWordPools {
		reqs = reqs[:similarWordPools]
	}
	return reqs, words
}

// similarTypedPool is the candidates for the requirements: the title
// prefix always, the ideas with every rare word, and with two or more of
// them the ideas with each one; of those, the similarTopCandidates with
// the most typed words (@words: every word the typed ones were found as,
// common ones too), a title starting with the text counting as one more,
// shorter titles first. Trigram scores cost tens of microseconds a title,
// so only these are ranked by them (measured at 1M: 350 candidates, 25 ms).
// The pools carry the title and its words from the rows their scans read
// anyway: looking each candidate up again by id read the primary key's
// pages too, a third of the statement at 1M ideas.
func similarTypedPool(reqs []similarRequirement, args map[string]any) []string {
	pools := []string{similarPrefixPool}
	for k, r := range reqs {
		args["r"+strconv.Itoa(k+1)] = strings.Join(r.words, " ")
	}
	if len(reqs) > 0 {
		pools = append(pools, similarWordPool(len(reqs)))
	}
	if len(reqs) > 1 {
		for k := range reqs {
			pools = append(pools, similarSingleWordPool(k))
		}
	}
	return []string{`SELECT p.id FROM (` + strings.Join(pools, " UNION ") + `) p
		ORDER BY (SELECT count(*) FROM unnest(p.title_words) w WHERE w = ANY ((SELECT string_to_array(@words, ' '))::text[]))
			+ starts_with(lower(p.title), lower(@t))::int DESC, length(p.title), p.id
		LIMIT ` + strconv.Itoa(similarTopCandidates)}
}

// similarWhileTyping is Similar: the word list, then one bounded ranking.
func similarWhileTyping(ctx context.Context, db *gorm.DB, title string, args map[string]any) ([]SimilarIdea, error) {
	toks, last := typedTokens(title)
	out := []SimilarIdea{}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Typo fixes take a word at least this alike (a transposition in a
		// long word stays above it; short words are left alone). Only the
		// candidate pools' own index scans are wanted, however few rows
		// the planner expects to need (see similar).
		// Nested loops only: a hash or merge join reads its whole inner
		// side, e.g. every visible idea through a list index, which the
		// planner picks when the table looks small.
		// Generic plans: both statements are prepared once per connection
		// (pgx caches them), and planning them for every title cost about
		// 5 of 12 ms of PostgreSQL CPU at 1M ideas. The plan's shape is
		// fixed by the settings above and the pools' LIMITs; what is
		// computed from the typed text (its tsquery, its word array) is a
		// sub-select, so a generic plan computes it once, not per
		// candidate as a parameter expression would (an earlier try of
		// generic plans without that ran the ranking 3× slower).
		if err := tx.Exec(`SET LOCAL pg_trgm.similarity_threshold = 0.4; SET LOCAL enable_seqscan = off;
			SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;
			SET LOCAL plan_cache_mode = force_generic_plan`).Error; err != nil {
			return err
		}
		var hits []similarWordHit
		if err := tx.Raw(similarWordsSQL, map[string]any{"toks": strings.Join(toks, " "), "last": last}).Scan(&hits).Error; err != nil {
			return err
		}
		reqs, words := similarRequirements(hits, len(toks), last != "")
		args["words"] = strings.Join(words, " ")
		return tx.Raw(similarSQL(similarTypedPool(reqs, args), `i.search @@ (SELECT `+similarTyped+`)`), args).Scan(&out).Error
	})
	return out, err
}
