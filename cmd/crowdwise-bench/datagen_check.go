package main

import (
	"context"
	"fmt"
	"strings"
)

// verify checks the invariants the app relies on, so a benchmark never
// runs on data the app could not have produced.
func (g *generator) verify(ctx context.Context, threadIdea int64) error {
	var bad, thread int64
	err := g.db.QueryRow(ctx, `SELECT count(*) FROM ideas i
		LEFT JOIN (SELECT idea_id, count(*) AS n FROM votes GROUP BY 1) v ON v.idea_id = i.id
		LEFT JOIN (SELECT idea_id, count(*) AS n FROM comments
			WHERE deleted_at IS NULL AND moderation = 'visible' AND NOT staff_only GROUP BY 1) c ON c.idea_id = i.id
		LEFT JOIN (SELECT idea_id, count(*) AS n FROM follows GROUP BY 1) f ON f.idea_id = i.id
		WHERE i.vote_count <> coalesce(v.n, 0) OR i.comment_count <> coalesce(c.n, 0)
			OR i.follower_count <> coalesce(f.n, 0) OR i.score < -1e8`).Scan(&bad)
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d ideas have counters that do not match their rows", bad)
	}
	err = g.db.QueryRow(ctx, `SELECT count(*) FROM ideas i LEFT JOIN idea_ranks r ON r.id = i.id
		WHERE (r.vote_count, r.score, r.category_id, r.status, r.listed, r.created_at, r.comment_count, r.tags) IS DISTINCT FROM
			(i.vote_count, i.score, i.category_id, i.status, cw_listed(i.moderation, i.deleted_at, i.merged_into_id),
				i.created_at, i.comment_count, i.tags)`).Scan(&bad)
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d ideas disagree with their idea_ranks row", bad)
	}
	err = g.db.QueryRow(ctx, `SELECT count(*) FROM ((SELECT t, i.id FROM ideas i, unnest(i.tags) t EXCEPT SELECT tag, idea_id FROM idea_tags)
		UNION ALL (SELECT tag, idea_id FROM idea_tags EXCEPT SELECT t, i.id FROM ideas i, unnest(i.tags) t)) x`).Scan(&bad)
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d tags disagree between ideas and idea_tags", bad)
	}
	if err := g.db.QueryRow(ctx, `SELECT count(*) FROM comments WHERE idea_id = $1`, threadIdea).Scan(&thread); err != nil {
		return err
	}
	if thread != threadComments {
		return fmt.Errorf("idea %d has %d comments, want %d", threadIdea, thread, threadComments)
	}
	return nil
}

// typedSoFar is what someone has typed so far into the new-idea title:
// its first three words, the last one unfinished.
func typedSoFar(title string) string {
	words := strings.Fields(title)
	partial := strings.Join(words[:min(3, len(words))], " ")
	if len(partial) > 12 {
		partial = partial[:len(partial)-2]
	}
	return partial
}

// describe records the counts and the inputs of the read benchmarks.
func (g *generator) describe(ctx context.Context, threadIdea int64) error {
	ds := g.ds
	err := g.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM ideas),
			(SELECT count(*) FROM votes), (SELECT count(*) FROM comments), (SELECT count(*) FROM follows),
			(SELECT title FROM ideas WHERE id = $1)`, threadIdea).
		Scan(&ds.Users, &ds.Ideas, &ds.Votes, &ds.Comments, &ds.Follows, &ds.ThreadIdeaTitle)
	if err != nil {
		return err
	}
	ds.SearchQuery = titleNouns[0]
	ds.SimilarTitle = typedSoFar(ds.ThreadIdeaTitle)
	// Rank 100 of the Zipf vocabulary: in about 2% of ideas.
	ds.RealSearchQuery = vocabulary()[100]
	var real string
	if err := g.db.QueryRow(ctx, `SELECT title FROM ideas WHERE id % 10 <> 0 AND id <> $1 ORDER BY id LIMIT 1`, threadIdea).Scan(&real); err != nil {
		return err
	}
	ds.RealSimilarTitle = typedSoFar(real)
	rows, err := g.db.Query(ctx, `SELECT id FROM ideas
		WHERE status = 'open' AND moderation = 'visible' AND deleted_at IS NULL AND merged_into_id IS NULL AND id <> $1
		ORDER BY hashint8(id) LIMIT $2`, threadIdea, voteTargets)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ds.VoteIdeaIDs = append(ds.VoteIdeaIDs, id)
	}
	return rows.Err()
}

// phraseCount phrases of realistic text are drawn once; each idea joins
// three of them by hash. (Drawing every word in SQL from a text[] of
// thousands costs a walk of the array per word: minutes at 100k ideas.)
const (
	phraseCount    = 1 << 16
	phraseCountSQL = "65536"
)
