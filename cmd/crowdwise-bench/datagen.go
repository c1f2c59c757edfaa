package main

import (
	"context"
	"fmt"
	mrand "math/rand"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Dataset shape per SCALE (number of ideas).
const (
	votesPerIdea    = 20
	commentsPerIdea = 5
	threadComments  = 200  // the idea whose page is benchmarked
	sessionCount    = 200  // members who vote during the benchmark
	voteTargets     = 1000 // ideas they vote on
)

// dataset is what generate made, for the load phase and the report.
type dataset struct {
	Scale           int     `json:"scale"`
	Users           int64   `json:"users"`
	Ideas           int64   `json:"ideas"`
	Votes           int64   `json:"votes"`
	Comments        int64   `json:"comments"`
	Follows         int64   `json:"follows"`
	GenerateSeconds float64 `json:"generate_seconds"`
	Steps           []step  `json:"steps"`
	ThreadIdeaID    int64   `json:"thread_idea_id"`
	ThreadIdeaTitle string  `json:"thread_idea_title"`
	SearchQuery     string  `json:"search_query"`
	SimilarTitle    string  `json:"similar_title"`
	// The worst case above (template titles); these are a community's:
	// a word of the realistic vocabulary, and a realistic title half typed.
	RealSearchQuery   string  `json:"real_search_query"`
	RealSimilarTitle  string  `json:"real_similar_title"`
	VoteIdeaIDs       []int64 `json:"vote_idea_ids"`
	SessionTokenCount int     `json:"session_tokens"`
	LimitsLifted      bool    `json:"rate_limits_lifted"` // see liftLimits
}

type step struct {
	Name    string  `json:"name"`
	Rows    int64   `json:"rows,omitempty"`
	Seconds float64 `json:"seconds"`
}

// generator fills an empty, migrated database. Every table is filled by a
// few set-based statements (generate_series, INSERT … SELECT) with values
// derived from hashes of row numbers, so a run is deterministic apart from
// timestamps and session tokens.
type generator struct {
	db    *pgxpool.Pool
	scale int64
	users int64
	ds    *dataset
}

func newGenerator(db *pgxpool.Pool, scale int) *generator {
	return &generator{
		db:    db,
		scale: int64(scale),
		users: max(int64(scale)/5, 1000),
		ds:    &dataset{Scale: scale},
	}
}

// h is a deterministic pseudo-random non-negative int for a SQL expression:
// hashint8 mixes far better than modular arithmetic on ids.
func h(expr string, salt int) string {
	return fmt.Sprintf("(hashint8((%s)::bigint * 16 + %d) & 2147483647)", expr, salt)
}

// pick is element h(expr) of a text array parameter.
func pick(param, expr string, salt int) string {
	return fmt.Sprintf("(%s::text[])[1 + %s %% cardinality(%s::text[])]", param, h(expr, salt), param)
}

// timed runs one step and records how long it took and how many rows it wrote.
func (g *generator) timed(name string, fn func() (int64, error)) error {
	start := time.Now()
	rows, err := fn()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	s := step{Name: name, Rows: rows, Seconds: time.Since(start).Seconds()}
	g.ds.Steps = append(g.ds.Steps, s)
	if rows > 0 {
		fmt.Printf("  %-26s %10d rows %7.1fs\n", name, rows, s.Seconds)
	} else {
		fmt.Printf("  %-26s %15s %7.1fs\n", name, "", s.Seconds)
	}
	return nil
}

func (g *generator) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := g.db.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// run generates everything and returns the dataset description plus the
// session tokens of the voting members.
func (g *generator) run(ctx context.Context) (*dataset, []string, error) {
	start := time.Now()
	var n int64
	if err := g.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM ideas) + (SELECT count(*) FROM users)`).Scan(&n); err != nil {
		return nil, nil, err
	}
	if n > 0 {
		return nil, nil, fmt.Errorf("the database already has users or ideas; generate needs a freshly migrated one (make bench makes its own)")
	}
	threadIdea := g.scale/2 + 1
	g.ds.ThreadIdeaID = threadIdea

	var deferred *deferredSchema
	var tokens []string
	steps := []struct {
		name string
		fn   func() (int64, error)
	}{
		{"drop indexes and keys", func() (int64, error) {
			var err error
			deferred, err = dropForLoad(ctx, g.db, []string{"ideas", "votes", "follows", "comments", "idea_ranks"})
			if err != nil {
				return 0, err
			}
			// idea_ranks and idea_tags are filled once at the end, not row by row.
			return g.exec(ctx, `ALTER TABLE ideas DISABLE TRIGGER idea_ranks_inserted, DISABLE TRIGGER idea_ranks_updated,
				DISABLE TRIGGER idea_tags_inserted, DISABLE TRIGGER idea_tags_updated`)
		}},
		{"categories and users", func() (int64, error) { return g.insertUsers(ctx) }},
		{"phrases (Zipf vocabulary)", func() (int64, error) { return g.insertPhrases(ctx) }},
		{"ideas", func() (int64, error) { return g.insertIdeas(ctx, threadIdea) }},
		{"activity plan", func() (int64, error) { return g.plan(ctx, threadIdea) }},
		{"votes", func() (int64, error) { return g.insertVotes(ctx) }},
		{"follows", func() (int64, error) { return g.insertFollows(ctx) }},
		{"comments", func() (int64, error) { return g.insertComments(ctx) }},
		{"counters and scores", func() (int64, error) { return g.updateCounters(ctx) }},
		{"compact ideas", func() (int64, error) {
			// The counter UPDATE left a dead copy of every idea; rewrite the
			// table while it has no indexes, so it is cheap.
			return g.exec(ctx, `VACUUM (FULL) ideas`)
		}},
		{"list ranks", func() (int64, error) {
			// As cw_idea_ranks_put and cw_idea_tags_put would (migration 00040).
			n, err := g.exec(ctx, `INSERT INTO idea_ranks (id, vote_count, score, category_id, status, listed, created_at, comment_count, tags)
				SELECT id, vote_count, score, category_id, status, cw_listed(moderation, deleted_at, merged_into_id), created_at, comment_count, tags
				FROM ideas`)
			if err != nil {
				return 0, err
			}
			if _, err := g.exec(ctx, `INSERT INTO idea_tags (tag, idea_id) SELECT DISTINCT t, i.id FROM ideas i, unnest(i.tags) t`); err != nil {
				return 0, err
			}
			_, err = g.exec(ctx, `ALTER TABLE ideas ENABLE TRIGGER idea_ranks_inserted, ENABLE TRIGGER idea_ranks_updated,
				ENABLE TRIGGER idea_tags_inserted, ENABLE TRIGGER idea_tags_updated`)
			return n, err
		}},
		// Statistics first: validating foreign keys is one big join each.
		{"analyze", func() (int64, error) { return g.exec(ctx, `ANALYZE`) }},
		{"restore indexes and keys", func() (int64, error) { return 0, deferred.restore(ctx, g.db) }},
		{"lift rate limits", func() (int64, error) { return g.liftLimits(ctx) }},
		{"member sessions", func() (n int64, err error) {
			tokens, err = g.insertSessions(ctx)
			return int64(len(tokens)), err
		}},
		{"crm accounts, members and links", func() (int64, error) { return g.insertCRM(ctx) }},
		{"vacuum analyze", func() (int64, error) {
			// A vacuumed table has its visibility map set, so the app's
			// index-only scans work from the first request.
			if _, err := g.exec(ctx, `DROP TABLE bench_plan`); err != nil {
				return 0, err
			}
			return g.exec(ctx, `VACUUM (ANALYZE)`)
		}},
		{"verify counters", func() (int64, error) { return 0, g.verify(ctx, threadIdea) }},
	}
	for _, s := range steps {
		if err := g.timed(s.name, s.fn); err != nil {
			return nil, nil, err
		}
	}
	if err := g.describe(ctx, threadIdea); err != nil {
		return nil, nil, err
	}
	g.ds.SessionTokenCount = len(tokens)
	g.ds.GenerateSeconds = time.Since(start).Seconds()
	return g.ds, tokens, nil
}

func (g *generator) insertUsers(ctx context.Context) (int64, error) {
	if _, err := g.exec(ctx, `INSERT INTO categories (slug, name, position)
		SELECT s, initcap(s), ord FROM unnest($1::text[]) WITH ORDINALITY AS c(s, ord)
		ON CONFLICT (slug) DO NOTHING`, categorySlugs); err != nil {
		return 0, err
	}
	// Ids are explicit so votes and comments can name authors by arithmetic.
	n, err := g.exec(ctx, `INSERT INTO users (id, name, email, email_verified, created_at, updated_at)
		SELECT u, 'Member ' || u, 'member' || u || '@bench.example', true, t, t
		FROM generate_series(1, $1::bigint) u,
			LATERAL (SELECT now() - interval '400 days' * (($1 - u)::float8 / $1) AS t) ts`, g.users)
	if err != nil {
		return 0, err
	}
	_, err = g.exec(ctx, `SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))`)
	return n, err
}

// insertIdeas creates ideas 1..scale over the past year, oldest first, so
// "new" order is id order as in real life. The thread idea is always open
// and visible; a small share of the others is hidden or pending.
func (g *generator) insertIdeas(ctx context.Context, threadIdea int64) (int64, error) {
	body := `'It would help us to ' || lower(` + pick("$4", "g", 1) + `) || ' ' || ` + pick("$5", "g", 2) +
		` || ' ' || ` + pick("$6", "g", 3) + ` || ' ' || ` + pick("$7", "g", 4) + ` || '. Right now ' || ` +
		pick("$8", "g", 5) + ` || '. ' || ` + pick("$9", "g", 6)
	// One idea in ten keeps the old template title (16×24×30×20
	// combinations, a tiny vocabulary): the worst case of trigram and
	// full-text search, measured as its own line. The others read like a
	// community's text: a verb, then two to five words of a vocabulary of
	// thousands drawn Zipf-wise, sometimes a familiar noun or tail.
	template := pick("$4", "g", 1) + ` || ' ' || ` + pick("$5", "g", 2) + ` || ' ' || ` + pick("$6", "g", 3) +
		` || ' ' || ` + pick("$7", "g", 4)
	realistic := pick("$4", "g", 1) + ` || ' ' || p1.w2` +
		` || CASE WHEN ` + h("g", 13) + ` % 4 > 0 THEN ' ' || p2.w3 ELSE '' END` +
		` || CASE WHEN ` + h("g", 14) + ` % 3 = 0 THEN ' ' || ` + pick("$6", "g", 3) + ` ELSE '' END` +
		` || CASE WHEN ` + h("g", 15) + ` % 4 = 0 THEN ' ' || ` + pick("$7", "g", 4) + ` ELSE '' END`
	title := `CASE WHEN g % 10 = 0 OR g = $3::bigint THEN ` + template + ` ELSE ` + realistic + ` END`
	body = body + ` || ' ' || p3.w12`
	sql := `INSERT INTO ideas (id, title, body, body_html, category_id, tags, author_id, status, moderation,
			staff_status_at, created_at, updated_at)
		SELECT g, left(t.title, 120), t.body, '<p>' || t.body || '</p>',
			cats[1 + ` + h("g", 7) + ` % cardinality(cats)],
			CASE ` + h("g", 8) + ` % 3
				WHEN 0 THEN '{}'::text[]
				WHEN 1 THEN ARRAY[` + pick("$10", "g", 9) + `]
				ELSE ARRAY[` + pick("$10", "g", 9) + `, ($10::text[])[1 + (` + h("g", 9) + ` + 1) % cardinality($10::text[])]]
			END,
			1 + ` + h("g", 10) + ` % $2::bigint, s.status, s.moderation,
			CASE WHEN s.status <> 'open' THEN at + (now() - at) / 2 END, at, at
		FROM generate_series($11::bigint, $12::bigint) g
			JOIN bench_phrases p1 ON p1.n = ` + h("g", 20) + ` % ` + phraseCountSQL + `
			JOIN bench_phrases p2 ON p2.n = ` + h("g", 21) + ` % ` + phraseCountSQL + `
			JOIN bench_phrases p3 ON p3.n = ` + h("g", 22) + ` % ` + phraseCountSQL + `,
			(SELECT array_agg(id ORDER BY id) AS cats FROM categories) c,
			LATERAL (SELECT now() - interval '1 hour' - interval '365 days' * (($1::bigint - g)::float8 / $1::bigint) AS at) ts,
			LATERAL (SELECT ` + title + ` AS title, ` + body + ` AS body) t,
			LATERAL (SELECT
				CASE WHEN g = $3::bigint THEN 'open' ELSE CASE
					WHEN ` + h("g", 11) + ` % 100 < 70 THEN 'open'
					WHEN ` + h("g", 11) + ` % 100 < 80 THEN 'under_review'
					WHEN ` + h("g", 11) + ` % 100 < 87 THEN 'planned'
					WHEN ` + h("g", 11) + ` % 100 < 92 THEN 'in_progress'
					WHEN ` + h("g", 11) + ` % 100 < 97 THEN 'shipped'
					ELSE 'declined' END END AS status,
				CASE WHEN g <> $3::bigint AND ` + h("g", 12) + ` % 500 = 0 THEN 'hidden'
					WHEN g <> $3::bigint AND ` + h("g", 12) + ` % 500 = 1 THEN 'pending'
					ELSE 'visible' END AS moderation) s`
	n, err := g.split(ctx, g.scale, func(ctx context.Context, lo, hi int64) (int64, error) {
		return g.exec(ctx, sql, g.scale, g.users, threadIdea,
			titleVerbs, titleAdjectives, titleNouns, titleTails, bodyPains, bodyBenefits, ideaTags, lo, hi)
	})
	if err != nil {
		return 0, err
	}
	if _, err := g.exec(ctx, `SELECT setval(pg_get_serial_sequence('ideas', 'id'), $1::bigint)`, g.scale); err != nil {
		return 0, err
	}
	_, err = g.exec(ctx, `DROP TABLE bench_phrases`)
	return n, err
}

// insertVotes gives idea i its planned number of votes from distinct
// members: the author first (at the idea's creation, as CreateIdea does),
// then author + k·step for k = 1, 2, … with step coprime to the number of
// users. Later votes cluster early in the idea's life.
func (g *generator) insertVotes(ctx context.Context) (int64, error) {
	return g.split(ctx, g.scale, func(ctx context.Context, lo, hi int64) (int64, error) {
		return g.exec(ctx, `INSERT INTO votes (idea_id, user_id, created_at)
			SELECT p.id, (p.author_id - 1 + k * $2::bigint) % $1::bigint + 1,
				CASE WHEN k = 0 THEN p.created_at
					ELSE p.created_at + (now() - p.created_at) * power(`+h("p.id * 8191 + k", 13)+` / 2147483648.0::float8, 2) END
			FROM bench_plan p, generate_series(0::bigint, p.votes - 1) k
			WHERE p.id BETWEEN $3 AND $4`, g.users, coprime(g.users, 0), lo, hi)
	})
}

// insertFollows: the author and the first eighth of the voters follow.
func (g *generator) insertFollows(ctx context.Context) (int64, error) {
	return g.split(ctx, g.scale, func(ctx context.Context, lo, hi int64) (int64, error) {
		return g.exec(ctx, `INSERT INTO follows (idea_id, user_id, created_at)
			SELECT p.id, (p.author_id - 1 + k * $2::bigint) % $1::bigint + 1, p.created_at
			FROM bench_plan p, generate_series(0::bigint, least(p.votes, 1 + p.votes / 8) - 1) k
			WHERE p.id BETWEEN $3 AND $4`, g.users, coprime(g.users, 0), lo, hi)
	})
}

// insertComments writes each idea's comments with explicit ids in
// consecutive blocks, so a reply names its parent by arithmetic (see
// replyBack); times increase along the block, so parents precede replies.
func (g *generator) insertComments(ctx context.Context) (int64, error) {
	body := pick("$2", "p.id * 8191 + k", 14) + ` || ' ' || format(` + pick("$3", "p.id * 8191 + k", 15) + `, ` +
		pick("$4", "p.id * 8191 + k", 16) + `)`
	n, err := g.split(ctx, g.scale, func(ctx context.Context, lo, hi int64) (int64, error) {
		return g.exec(ctx, `INSERT INTO comments (id, idea_id, parent_id, author_id, body, body_html, depth, created_at)
			SELECT p.first_comment + k + 1, p.id,
				CASE WHEN r.back > 0 THEN p.first_comment + k - r.back + 1 END,
				1 + `+h("p.id * 8191 + k", 17)+` % $1::bigint, b.body, '<p>' || b.body || '</p>', r.depth,
				p.created_at + (now() - p.created_at) * ((k + 1)::float8 / (p.comments + 1))
			FROM bench_plan p, generate_series(0::bigint, p.comments - 1) k,
				LATERAL (SELECT ($5::int[])[1 + k % cardinality($5::int[])] AS back,
					($6::int[])[1 + k % cardinality($5::int[])] AS depth) r,
				LATERAL (SELECT `+body+` AS body) b
			WHERE p.id BETWEEN $7 AND $8`,
			g.users, commentOpeners, commentDetails, titleNouns, replyBack, replyDepth, lo, hi)
	})
	if err != nil {
		return 0, err
	}
	_, err = g.exec(ctx, `SELECT setval(pg_get_serial_sequence('comments', 'id'), (SELECT max(id) FROM comments))`)
	return n, err
}

// updateCounters sets every counter from the rows, and the trending score
// to what the app's incremental cw_trend_add over the same votes and
// comments adds up to: ln Σ exp(cw_trend_term(1, t)). The sum is taken
// relative to now's term so exp() neither overflows nor underflows.
func (g *generator) updateCounters(ctx context.Context) (int64, error) {
	return g.split(ctx, g.scale, func(ctx context.Context, lo, hi int64) (int64, error) {
		return g.exec(ctx, `WITH ref AS (SELECT cw_trend_term(1, now()) AS k),
			v AS (SELECT idea_id, count(*) AS n, sum(exp(cw_trend_term(1, created_at) - ref.k)) AS s
				FROM votes, ref WHERE idea_id BETWEEN $1 AND $2 GROUP BY idea_id),
			c AS (SELECT idea_id, count(*) FILTER (WHERE deleted_at IS NULL AND moderation = 'visible' AND NOT staff_only) AS n,
					sum(exp(cw_trend_term(1, created_at) - ref.k)) AS s
				FROM comments, ref WHERE idea_id BETWEEN $1 AND $2 GROUP BY idea_id),
			f AS (SELECT idea_id, count(*) AS n FROM follows WHERE idea_id BETWEEN $1 AND $2 GROUP BY idea_id),
			x AS (SELECT i.id, coalesce(v.n, 0) AS votes, coalesce(c.n, 0) AS comments, coalesce(f.n, 0) AS follows,
					coalesce(v.s, 0) + coalesce(c.s, 0) AS s
				FROM ideas i LEFT JOIN v ON v.idea_id = i.id LEFT JOIN c ON c.idea_id = i.id LEFT JOIN f ON f.idea_id = i.id
				WHERE i.id BETWEEN $1 AND $2)
			UPDATE ideas i SET vote_count = x.votes, comment_count = x.comments, follower_count = x.follows,
				score = CASE WHEN x.s > 0 THEN ref.k + ln(x.s) ELSE -1e9 END
			FROM x, ref WHERE x.id = i.id`, lo, hi)
	})
}

// liftLimits raises the per-member vote limit and the per-address action
// limit out of reach. 200 members casting hundreds of votes a second stand
// in for the thousands of members such a rate means in real life; with the
// limits at their defaults the run would time 429s. Every request still
// goes through the limiter's bookkeeping, so its cost is measured.
func (g *generator) liftLimits(ctx context.Context) (int64, error) {
	var exists bool
	if err := g.db.QueryRow(ctx, `SELECT to_regclass('site_settings') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	g.ds.LimitsLifted = true
	return g.exec(ctx, `UPDATE site_settings SET votes_per_minute = 1000000, votes_per_day = 1000000, per_ip_actions_per_minute = 1000000`)
}

// insertPhrases fills bench_phrases: phrase n has 2, 3 and 12 words drawn
// from the vocabulary with a Zipf distribution (s = 1.1), the same on every
// run. insertIdeas drops it.
func (g *generator) insertPhrases(ctx context.Context) (int64, error) {
	if _, err := g.exec(ctx, `CREATE UNLOGGED TABLE bench_phrases (n int PRIMARY KEY, w2 text, w3 text, w12 text)`); err != nil {
		return 0, err
	}
	vocab := vocabulary()
	z := mrand.NewZipf(mrand.New(mrand.NewSource(12)), 1.1, 1, uint64(len(vocab)-1))
	words := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = vocab[z.Uint64()]
		}
		return strings.Join(ws, " ")
	}
	rows := make([][]any, phraseCount)
	for i := range rows {
		rows[i] = []any{int32(i), words(2), words(3), words(12)}
	}
	n, err := g.db.CopyFrom(ctx, pgx.Identifier{"bench_phrases"}, []string{"n", "w2", "w3", "w12"}, pgx.CopyFromRows(rows))
	if err != nil {
		return 0, err
	}
	// Statistics, so the ideas insert hashes the table instead of probing
	// it row by row.
	_, err = g.exec(ctx, `ANALYZE bench_phrases`)
	return n, err
}
