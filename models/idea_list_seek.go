package models

import (
	"strconv"
	"strings"
	"time"
)

// sortKeys is the stored column each tab orders by (before its id),
// which its partial index idea_ranks_<tab>_idx covers: a cursor seeks on it.
var sortKeys = map[string]string{
	"trending":  "r.score",
	"top":       "r.vote_count",
	"new":       "r.created_at",
	"discussed": "r.comment_count",
}

// Cursor is where a page of the public idea list ends: the last row's sort
// value and id. The next page seeks past it on the tab's index instead of
// skipping Offset() rows, so page 5,000 costs what page 2 does.
type Cursor struct {
	Value any // float64 (trending), int64 (top, discussed), time.Time (new)
	ID    int64
}

// cursorOf is the cursor after idea i in tab sort.
func cursorOf(sort string, i *Idea) string {
	var v string
	switch sort {
	case "trending":
		v = strconv.FormatFloat(i.Score, 'g', -1, 64)
	case "top":
		v = strconv.Itoa(i.VoteCount)
	case "new":
		return timeCursor(i.CreatedAt, i.ID)
	case "discussed":
		v = strconv.Itoa(i.CommentCount)
	default:
		return ""
	}
	return v + "_" + strconv.FormatInt(i.ID, 10)
}

// timeCursor is the cursor after the row with id ordered by time t (newest
// first), as the new tab and the changelog write it and ParseCursor("new")
// reads it.
func timeCursor(t time.Time, id int64) string {
	return strconv.FormatInt(t.UnixMicro(), 10) + "_" + strconv.FormatInt(id, 10)
}

// ParseCursor reads an ?after= value for tab sort; ok is false when it is
// not one this list wrote.
func ParseCursor(sort, s string) (c Cursor, ok bool) {
	v, id, found := strings.Cut(s, "_")
	if !found || len(s) > 64 {
		return c, false
	}
	var err error
	if c.ID, err = strconv.ParseInt(id, 10, 64); err != nil || c.ID < 1 {
		return c, false
	}
	switch sort {
	case "trending":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f != f { // NaN never orders
			return c, false
		}
		c.Value = f
	case "top", "discussed":
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return c, false
		}
		c.Value = n
	case "new":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < -62135596800000000 || n > 253402300799999999 { // years 1–9999
			return c, false
		}
		c.Value = time.UnixMicro(n).UTC()
	default:
		return c, false
	}
	return c, true
}

// seekCond is the row comparison that starts a page after c; with both
// index columns descending it is one index range condition.
func seekCond(sort string) string {
	cast := map[string]string{"trending": "double precision", "top": "integer", "new": "timestamptz", "discussed": "integer"}[sort]
	key := sortKeys[sort]
	id := key[:strings.IndexByte(key, '.')+1] + "id" // the id of the same table, which its index orders by next
	return "(" + key + ", " + id + ") < (CAST(@after_value AS " + cast + "), CAST(@after_id AS bigint))"
}
