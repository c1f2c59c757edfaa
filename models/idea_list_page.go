package models

import (
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// MaxSkip is how many rows a page number may skip on a whole tab, and
// MaxFilteredSkip on a filtered one, whose skipped rows cost an index
// entry for each idea the filter passes over too (1/selectivity of them:
// 14 for a status of 7%). Deeper pages are reached by the lists' Next
// links (?after=), which seek and cost what page 2 does at any depth.
const (
	MaxSkip         = 100_000
	MaxFilteredSkip = 10_000
)

// listPage is the statement that reads one page of the idea list.
type listPage struct {
	// deferred pages pick their ids from idea_ranks alone, then read
	// those rows of ideas; the others read ideas and filter there.
	deferred, filtered bool
	from, cond, order  string
	key                string // the sort column a deferred page carries out
}

// sql is the page's statement with seek added to its conditions (a
// cursor's, or "") and tail after its LIMIT (the OFFSET, or "").
func (l listPage) sql(seek, tail string) string {
	cond := l.cond
	if seek != "" {
		cond += " AND " + seek
	}
	if !l.deferred {
		return `SELECT ` + ideaColumns + l.from + ` WHERE ` + cond + ` ORDER BY ` + l.order + ` LIMIT @limit` + tail
	}
	// The skipped rows cost one narrow index entry each (the tab's index
	// holds the filters' columns: an index-only scan), and only the page's
	// rows are joined to ideas, categories and users.
	return `SELECT ` + ideaColumns + ` FROM (SELECT r.id, ` + l.key + ` FROM idea_ranks r WHERE ` + cond +
		` ORDER BY ` + l.order + ` LIMIT @limit` + tail + `) p
		JOIN ideas i ON i.id = p.id JOIN categories c ON c.id = i.category_id JOIN users u ON u.id = i.author_id
		ORDER BY ` + strings.ReplaceAll(l.order, "r.", "p.")
}

// counted is what a deferred page's counts read: its rows in the tab's
// order, so a count that stops early walks the index the page walks (and
// has just cached) instead of a scan of the table, which a filter's rows
// clustered at its end (a new tag's ideas) would make read all of it.
func (l listPage) counted() string {
	return `(SELECT r.id FROM idea_ranks r WHERE ` + l.cond + ` ORDER BY ` + l.order + `) r`
}

// rankedOnly reports whether q filters on nothing but what idea_ranks
// holds: a plain tab of the public list with category, status and tag
// filters. Searches and the CRM's sorts and filters read ideas.
func rankedOnly(q ListQuery) bool {
	_, tab := Sorts[q.Sort]
	return tab && strings.TrimSpace(q.Q) == "" && q.Segment == "" && q.Lifecycle == ""
}

// deferredPage is the page of a rankedOnly list. A common tag is tested
// on the tab's index entries as the page walks it in order; a rare tag's
// few ideas are read from idea_tags (rareTag).
func deferredPage(q ListQuery, rare bool) listPage {
	_, cond := rankedList(q)
	cond = strings.TrimPrefix(cond, " AND ")
	switch {
	case q.Tag != "" && rare:
		// An array, not a semi-join: the planner would walk the tab and
		// probe idea_tags for every entry it passes over.
		cond += " AND r.id = ANY (ARRAY(SELECT t.idea_id FROM idea_tags t WHERE t.tag = @tag))"
	case q.Tag != "":
		cond += " AND r.tags @> CAST(@tags AS text[])"
	}
	return listPage{deferred: true, cond: cond, order: Sorts[q.Sort], key: sortKeys[q.Sort], filtered: cond != "r.listed"}
}

// rareTag reports whether q's tag has few enough ideas to read them all
// rather than walk the tab to the page. Reading a tag's M ideas costs M
// probes of idea_ranks (about ten walked index entries' CPU each, at 1M);
// walking to row d of a tab of N ideas passes d·N/M entries. Both stay
// under sqrt(10·d·N) entries' work if the tag is rare below
// sqrt(d·N/10), d counting the capped count's CountCap+1 rows too;
// idea_tags is counted no further. N is the planner's estimate of
// idea_ranks' rows.
func rareTag(db *gorm.DB, q ListQuery, seek bool) (bool, error) {
	if q.Tag == "" {
		return false, nil
	}
	depth := min(q.Page.Offset(), MaxFilteredSkip) + q.Page.PerPage + 1 // deeper is refused or past the end
	if seek {
		depth = q.Page.PerPage + 1
	}
	var rare bool
	err := db.Raw(`SELECT (SELECT count(*) FROM (SELECT 1 FROM idea_tags WHERE tag = ? LIMIT b.n + 1) t) <= b.n
		FROM (SELECT sqrt(greatest(reltuples, 1) * ? / 10)::bigint AS n FROM pg_class WHERE oid = 'idea_ranks'::regclass) b`,
		strings.ToLower(q.Tag), max(depth, CountCap+1)).Scan(&rare).Error
	return rare, err
}

// beyondSkip answers a page number deeper than its list lets one skip
// (MaxSkip, MaxFilteredSkip). In a list that ends before that depth it is
// a page past the end like any other (the count, which stops there, links
// the last page); in a longer one it is refused, naming the page. It is
// nil, nil for the pages within.
func (l listPage) beyondSkip(db *gorm.DB, q ListQuery, args map[string]any) (*IdeaPage, error) {
	limit, what := MaxSkip, "the list"
	if l.filtered {
		limit, what = MaxFilteredSkip, "a filtered list"
	}
	if !l.deferred || q.Page.Offset() <= limit {
		return nil, nil
	}
	var n int64
	err := rawNamed(db, `SELECT count(*) FROM (SELECT 1 FROM `+l.counted()+` LIMIT `+strconv.Itoa(limit+1)+`) n`, args).
		Scan(&n).Error
	if err != nil {
		return nil, err
	}
	if n > int64(limit) {
		return nil, &ValidationError{Fields: map[string]string{"page": "Page " + strconv.Itoa(q.Page.Number) +
			" is deeper than " + what + " can be opened by its number (past " + thousands(int64(limit)) +
			" ideas): follow its Next links from an earlier page."}}
	}
	return &IdeaPage{Ideas: []Idea{}, Page: Page{Number: q.Page.Number, PerPage: q.Page.PerPage, Total: n}}, nil
}

// joinedPage is the page of any other list: searches (their scope may
// reach past the public lists) and the CRM's sorts and filters.
func joinedPage(q ListQuery, cond string, args map[string]any) listPage {
	from := ideaFrom + crmListFrom(q, args) // the CRM sorts' join, "" otherwise
	join, ranked := rankedList(q)
	return listPage{from: from + join, cond: cond + ranked, order: listOrder(q)}
}
