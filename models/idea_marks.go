package models

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// marksSQL finds which of a page's ideas (an int8[] literal) the member
// (user_id) has a row for in a table keyed (user_id, idea_id): one index
// probe per idea. The LIMIT keeps the planner from turning the probes into
// a scan of every row the member has (a plan cached for any member, which
// it prefers for the average member, costs a member with 50,000 votes 50 ms
// a page); this costs what the page costs.
func marksSQL(table string) string {
	return `SELECT p.id AS idea_id FROM unnest(CAST(? AS bigint[])) AS p(id)
		CROSS JOIN LATERAL (SELECT 1 FROM ` + table + ` m WHERE m.user_id = ? AND m.idea_id = p.id LIMIT 1) m`
}

// votedAmongSQL is the vote marks' statement (VotedAmong).
var votedAmongSQL = marksSQL("votes")

// int8Array is ids as a PostgreSQL array literal ("{1,2,3}"): one
// parameter whatever the page size, so the statement is prepared once.
func int8Array(ids []int64) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte('}')
	return b.String()
}

// VotedAmong reports which of ids userID has voted for, from one statement
// that probes the member's own rows (votes_user_idx) once per idea: all a
// shared list page needs to show the ideas as theirs.
func VotedAmong(ctx context.Context, db *gorm.DB, userID int64, ids []int64) (map[int64]bool, error) {
	voted := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return voted, nil
	}
	rows, err := db.WithContext(ctx).Raw(votedAmongSQL, int8Array(ids), userID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		voted[id] = true
	}
	return voted, rows.Err()
}
