package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
)

// plan decides per idea how many votes and comments it gets: a Zipf-like
// share of the totals (a few ideas are hugely popular, most have a handful)
// over a permutation of ids (the offsets keep the most popular idea away
// from the newest), with the rounding remainder handed out one by
// one so the totals are exact. The thread idea gets exactly threadComments.
func (g *generator) plan(ctx context.Context, threadIdea int64) (int64, error) {
	votes := g.scale * votesPerIdea
	comments := g.scale * commentsPerIdea
	_, err := g.exec(ctx, `CREATE UNLOGGED TABLE bench_plan AS
		WITH w AS (
			SELECT id, author_id, created_at,
				power((((id * $3::bigint + 12345) % $1::bigint) + 1)::float8, -$4::float8) AS vw,
				CASE WHEN id = $7::bigint THEN 0
					ELSE power((((id * $5::bigint + 54321) % $1::bigint) + 1)::float8, -$6::float8) END AS cw
			FROM ideas),
		base AS (
			SELECT w.*,
				floor($2::bigint * vw / sum(vw) OVER ())::int AS vb,
				CASE WHEN id = $7::bigint THEN $9::int ELSE floor(($8::bigint - $9::int) * cw / sum(cw) OVER ())::int END AS cb,
				row_number() OVER (ORDER BY vw DESC, id) AS vrn,
				row_number() OVER (ORDER BY cw DESC, id) AS crn
			FROM w),
		rest AS (SELECT $2::bigint - sum(vb) AS vr, $8::bigint - sum(cb) AS cr FROM base),
		counts AS (
			SELECT id, author_id, created_at,
				vb + (vrn <= vr)::int AS votes,
				cb + (id <> $7::bigint AND crn <= cr)::int AS comments
			FROM base, rest)
		SELECT *, sum(comments) OVER (ORDER BY id) - comments AS first_comment FROM counts`,
		g.scale, votes, coprime(g.scale, 0), voteSkew(g.scale, votes, g.users),
		coprime(g.scale, 1), 0.4, threadIdea, comments, threadComments)
	if err != nil {
		return 0, err
	}
	var maxVotes int64
	if err := g.db.QueryRow(ctx, `SELECT max(votes) FROM bench_plan`).Scan(&maxVotes); err != nil {
		return 0, err
	}
	if maxVotes > g.users {
		return 0, fmt.Errorf("an idea would get %d votes from %d users", maxVotes, g.users)
	}
	return g.scale, nil
}

// voteSkew is the largest Zipf exponent (up to 0.6) for which the most
// popular idea still gets no more votes than there are users: every vote
// on an idea comes from a different member.
func voteSkew(ideas, votes, users int64) float64 {
	for a := 0.6; a > 0; a -= 0.05 {
		var sum float64
		for r := int64(1); r <= ideas; r++ {
			sum += math.Pow(float64(r), -a)
		}
		if float64(votes)/sum+1 <= float64(users) {
			return a
		}
	}
	return 0
}

// coprime returns the i-th of a few large primes that do not divide n, so
// (id * p) % n permutes ids and (a + k * p) % n visits every user.
func coprime(n int64, i int) int64 {
	for _, p := range []int64{7919, 104729, 1299709, 15485863, 179424673} {
		if n%p != 0 {
			if i == 0 {
				return p
			}
			i--
		}
	}
	panic("no coprime for " + strconv.FormatInt(n, 10))
}
