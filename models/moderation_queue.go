package models

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Queue filters: what waits for a moderator (everything, flagged, pending)
// and what a moderator already took out of view (hidden, spam), to review
// and restore.
const (
	QueueAll     = "all"
	QueueFlagged = "flagged"
	QueuePending = "pending"
	QueueHidden  = "hidden"
	QueueSpam    = "spam"
)

// QueueFilters lists the queue's filters in display order.
var QueueFilters = []string{QueueAll, QueueFlagged, QueuePending, QueueHidden, QueueSpam}

// QueueItem is one idea or comment waiting for a moderator.
type QueueItem struct {
	Type             string        `json:"type"`
	ID               int64         `json:"id"`
	IdeaID           int64         `json:"idea_id"`
	IdeaTitle        string        `json:"idea_title"`
	Body             string        `json:"body"`
	Text             string        `json:"-"` // Body's rendered text, for the page
	AuthorID         int64         `json:"author_id"`
	AuthorName       string        `json:"author_name"`
	AuthorBanned     bool          `json:"author_banned"`
	Moderation       string        `json:"moderation"`
	ModerationReason string        `json:"moderation_reason"`
	CreatedAt        time.Time     `json:"created_at"`
	FlagCount        int           `json:"flag_count"`
	FirstFlagAt      *time.Time    `json:"first_flag_at"`
	Reasons          []ReasonCount `json:"reasons" gorm:"-"`
	Notes            []FlagNote    `json:"notes" gorm:"-"`
}

// Ref is the item's form value, "idea:12".
func (q QueueItem) Ref() string { return ItemRef{q.Type, q.ID}.String() }

// URL is where the item is shown.
func (q QueueItem) URL() string {
	if q.Type == TargetComment {
		return CommentURL("/ideas/"+itoa(q.IdeaID), q.ID, "")
	}
	return "/ideas/" + itoa(q.ID)
}

// ReasonCount is how many open flags give one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Label is the reason as people read it.
func (r ReasonCount) Label() string { return FlagReasonLabels[r.Reason] }

// FlagNote is a note a member left with a flag.
type FlagNote struct {
	TargetType string    `json:"-"`
	TargetID   int64     `json:"-"`
	Reason     string    `json:"reason"`
	Note       string    `json:"note"`
	UserName   string    `json:"user_name"`
	CreatedAt  time.Time `json:"created_at"`
}

// notesPerItem bounds the flag notes shown per queue item.
const notesPerItem = 5

// QueuePage is one page of the moderation queue.
type QueuePage struct {
	Items []QueueItem
	Page  Page
}

// queueFlagged is which flagged items a filter lists besides its state's
// (all and flagged list every flagged item); user text never reaches SQL.
var queueFlagged = map[string]string{
	QueueAll:     "true",
	QueueFlagged: "true",
	QueuePending: "x.moderation = 'pending'",
	QueueHidden:  "x.moderation = 'hidden'",
	QueueSpam:    "x.moderation = 'spam'",
}

// queueState is the moderation state whose unflagged items a filter lists
// ("" for none).
var queueState = map[string]string{
	QueueAll:     "pending",
	QueuePending: "pending",
	QueueHidden:  "hidden",
	QueueSpam:    "spam",
}

// queuePicks is the queue of one filter as narrow rows (type, id, sort_at,
// first_flag_at) in no order, each branch holding at most upto rows of its
// own order, so that a page (or a capped count) needs no more than upto
// rows of any branch. Flagged items come from the open flags, the
// moderators' working set; the others from the partial
// {ideas,comments}_moderation_idx (migration 00039), in their order, never
// from the whole of ideas or comments.
func queuePicks(filter string, upto int) string {
	n := strconv.Itoa(upto)
	flagged := queueFlagged[filter]
	var b strings.Builder
	for i, t := range []string{"idea", "comment"} {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		table := map[string]string{"idea": "ideas", "comment": "comments"}[t]
		// An item's first open flag is one with no earlier open flag on
		// the same item: walked in flags_open_order_idx's order (migration
		// 00041), the first flags come in the queue's order and the walk
		// stops at the page, where grouping every open flag by item read
		// them all.
		b.WriteString(`(SELECT '` + t + `' AS type, x.id, o.created_at AS sort_at, o.created_at AS first_flag_at
			FROM flags o JOIN ` + table + ` x ON x.id = o.target_id
			WHERE o.resolved_at IS NULL AND o.target_type = '` + t + `'
				AND NOT EXISTS (SELECT 1 FROM flags e WHERE e.resolved_at IS NULL AND e.target_type = '` + t + `'
					AND e.target_id = o.target_id AND (e.created_at, e.id) < (o.created_at, o.id))
				AND x.deleted_at IS NULL AND ` + flagged + `
			ORDER BY o.created_at, o.target_id LIMIT ` + n + `)`)
		if state := queueState[filter]; state != "" {
			b.WriteString(` UNION ALL (SELECT '` + t + `', x.id, x.created_at, NULL::timestamptz
			FROM ` + table + ` x
			WHERE x.moderation = '` + state + `' AND x.moderation <> 'visible' AND x.deleted_at IS NULL
				AND NOT EXISTS (SELECT 1 FROM flags f WHERE f.resolved_at IS NULL AND f.target_type = '` + t + `' AND f.target_id = x.id)
			ORDER BY x.created_at, x.id LIMIT ` + n + `)`)
		}
	}
	return b.String()
}

// queueOrder is the queue's order: oldest first, by first flag, else by
// posting, ideas before comments at the same instant.
const queueOrder = `sort_at, type DESC, id`

// queuePageSQL is the page's rows: its (type, id) picked from queuePicks,
// then only those rows read in full.
const queuePageSQL = `WITH page AS (SELECT * FROM ({picks}) q ORDER BY ` + queueOrder + ` LIMIT ? OFFSET ?),
	items AS (
		SELECT p.sort_at, p.type, x.id, x.id AS idea_id, x.title AS idea_title, x.body, x.body_text, x.author_id, x.moderation,
			x.moderation_reason, x.created_at, p.first_flag_at
		FROM page p JOIN ideas x ON x.id = p.id WHERE p.type = 'idea'
		UNION ALL
		SELECT p.sort_at, p.type, x.id, x.idea_id, i.title, x.body, x.body_text, x.author_id, x.moderation,
			x.moderation_reason, x.created_at, p.first_flag_at
		FROM page p JOIN comments x ON x.id = p.id JOIN ideas i ON i.id = x.idea_id WHERE p.type = 'comment')
	SELECT it.type, it.id, it.idea_id, it.idea_title, left(it.body, 1000) AS body, left(it.body_text, 1000) AS text, it.author_id,
		CASE WHEN u.deleted_at IS NULL THEN u.name ELSE 'deleted user' END AS author_name,
		EXISTS (SELECT 1 FROM bans b WHERE b.user_id = it.author_id AND (b.until IS NULL OR b.until > now())) AS author_banned,
		it.moderation, it.moderation_reason, it.created_at,
		(SELECT count(*) FROM flags f WHERE f.resolved_at IS NULL AND f.target_type = it.type AND f.target_id = it.id) AS flag_count,
		it.first_flag_at
	FROM items it JOIN users u ON u.id = it.author_id
	ORDER BY it.sort_at, it.type DESC, it.id`

// ModerationQueue lists the items of one filter (by default pending and
// flagged ones), oldest first (by first flag, else by posting) so nothing
// waits for ever behind newer reports. A page reads the narrow rows before
// it and its own in full; its total is counted no further than CountCap.
func ModerationQueue(ctx context.Context, db *gorm.DB, actor *User, filter string, page Page) (*QueuePage, error) {
	if !actor.HasRole(RoleModerator) {
		return nil, Forbidden("Only moderators can see the moderation queue.")
	}
	if filter == "" {
		filter = QueueAll
	}
	if _, ok := queueFlagged[filter]; !ok {
		return nil, &ValidationError{Fields: map[string]string{"show": "Show one of: " + strings.Join(QueueFilters, ", ") + "."}}
	}
	db = db.WithContext(ctx)
	out := &QueuePage{Items: []QueueItem{}, Page: page}
	upto := page.Offset() + page.PerPage + 1
	sql := strings.Replace(queuePageSQL, "{picks}", queuePicks(filter, upto), 1)
	if err := db.Raw(sql, page.PerPage+1, page.Offset()).Scan(&out.Items).Error; err != nil {
		return nil, err
	}
	if len(out.Items) > page.PerPage {
		out.Items, out.Page.More = out.Items[:page.PerPage], true
	}
	// Past the end, the count reads no more than the rows just skipped.
	from := "(" + queuePicks(filter, max(CountCap+1, page.Offset())) + ") q"
	if err := countList(db, &out.Page, from, "true", nil, len(out.Items), false); err != nil {
		return nil, err
	}
	return out, attachFlags(db, out.Items)
}

// attachFlags fills in each item's open-flag reasons and latest notes.
func attachFlags(db *gorm.DB, items []QueueItem) error {
	if len(items) == 0 {
		return nil
	}
	ideas, comments := []int64{0}, []int64{0}
	for _, it := range items {
		if it.Type == TargetIdea {
			ideas = append(ideas, it.ID)
		} else {
			comments = append(comments, it.ID)
		}
	}
	cond := `f.resolved_at IS NULL AND ((f.target_type = 'idea' AND f.target_id IN @ideas) OR (f.target_type = 'comment' AND f.target_id IN @comments))`
	args := map[string]any{"ideas": ideas, "comments": comments, "notes": notesPerItem}
	var reasons []struct {
		TargetType string
		TargetID   int64
		Reason     string
		Count      int
	}
	if err := db.Raw(`SELECT f.target_type, f.target_id, f.reason, count(*) AS count FROM flags f WHERE `+cond+`
		GROUP BY 1, 2, 3`, args).Scan(&reasons).Error; err != nil {
		return err
	}
	var notes []FlagNote
	if err := db.Raw(`SELECT target_type, target_id, reason, note, user_name, created_at FROM (
			SELECT f.target_type, f.target_id, f.reason, f.note, f.created_at,
				CASE WHEN u.deleted_at IS NULL THEN u.name ELSE 'deleted user' END AS user_name,
				row_number() OVER (PARTITION BY f.target_type, f.target_id ORDER BY f.created_at DESC, f.id DESC) AS n
			FROM flags f JOIN users u ON u.id = f.user_id WHERE `+cond+` AND f.note <> '') x
		WHERE n <= @notes ORDER BY created_at DESC`, args).Scan(&notes).Error; err != nil {
		return err
	}
	index := map[ItemRef]*QueueItem{}
	for i := range items {
		items[i].Reasons, items[i].Notes = []ReasonCount{}, []FlagNote{}
		index[ItemRef{items[i].Type, items[i].ID}] = &items[i]
	}
	for _, r := range reasons {
		if it := index[ItemRef{r.TargetType, r.TargetID}]; it != nil {
			it.Reasons = append(it.Reasons, ReasonCount{r.Reason, r.Count})
		}
	}
	for _, n := range notes {
		if it := index[ItemRef{n.TargetType, n.TargetID}]; it != nil {
			it.Notes = append(it.Notes, n)
		}
	}
	for i := range items {
		sort.Slice(items[i].Reasons, func(a, b int) bool {
			ra, rb := items[i].Reasons[a], items[i].Reasons[b]
			return ra.Count > rb.Count || ra.Count == rb.Count && ra.Reason < rb.Reason
		})
	}
	return nil
}
