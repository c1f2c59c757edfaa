package models

import (
	"context"
	"sort"
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
		return "/ideas/" + itoa(q.IdeaID) + "#comment-" + itoa(q.ID)
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

// queueSQL is every live idea and comment that matches a filter's
// condition (on x, the idea or comment, and o, its open flags).
const queueSQL = `WITH open AS (
		SELECT target_type, target_id, count(*) AS flag_count, min(created_at) AS first_flag_at
		FROM flags WHERE resolved_at IS NULL GROUP BY target_type, target_id),
	items AS (
		SELECT 'idea' AS type, x.id, x.id AS idea_id, x.title AS idea_title, x.body, x.body_text, x.author_id, x.moderation,
			x.moderation_reason, x.created_at, coalesce(o.flag_count, 0) AS flag_count, o.first_flag_at
		FROM ideas x LEFT JOIN open o ON o.target_type = 'idea' AND o.target_id = x.id
		WHERE x.deleted_at IS NULL AND {cond}
		UNION ALL
		SELECT 'comment', x.id, x.idea_id, i.title, x.body, x.body_text, x.author_id, x.moderation,
			x.moderation_reason, x.created_at, coalesce(o.flag_count, 0), o.first_flag_at
		FROM comments x JOIN ideas i ON i.id = x.idea_id
			LEFT JOIN open o ON o.target_type = 'comment' AND o.target_id = x.id
		WHERE x.deleted_at IS NULL AND {cond})`

// queueWhere maps each filter to its condition; user text never reaches SQL.
var queueWhere = map[string]string{
	QueueAll:     "(x.moderation = 'pending' OR o.flag_count > 0)",
	QueueFlagged: "o.flag_count > 0",
	QueuePending: "x.moderation = 'pending'",
	QueueHidden:  "x.moderation = 'hidden'",
	QueueSpam:    "x.moderation = 'spam'",
}

// ModerationQueue lists the items of one filter (by default pending and
// flagged ones), oldest first (by first flag, else by posting) so nothing
// waits for ever behind newer reports.
func ModerationQueue(ctx context.Context, db *gorm.DB, actor *User, filter string, page Page) (*QueuePage, error) {
	if !actor.HasRole(RoleModerator) {
		return nil, Forbidden("Only moderators can see the moderation queue.")
	}
	if filter == "" {
		filter = QueueAll
	}
	where, ok := queueWhere[filter]
	if !ok {
		return nil, &ValidationError{Fields: map[string]string{"show": "Show one of: " + strings.Join(QueueFilters, ", ") + "."}}
	}
	db = db.WithContext(ctx)
	items := strings.ReplaceAll(queueSQL, "{cond}", where)
	out := &QueuePage{Items: []QueueItem{}, Page: page}
	if err := db.Raw(items + ` SELECT count(*) FROM items`).Scan(&out.Page.Total).Error; err != nil {
		return nil, err
	}
	err := db.Raw(items+` SELECT it.type, it.id, it.idea_id, it.idea_title, left(it.body, 1000) AS body, left(it.body_text, 1000) AS text, it.author_id,
			CASE WHEN u.deleted_at IS NULL THEN u.name ELSE 'deleted user' END AS author_name,
			EXISTS (SELECT 1 FROM bans b WHERE b.user_id = it.author_id AND (b.until IS NULL OR b.until > now())) AS author_banned,
			it.moderation, it.moderation_reason, it.created_at, it.flag_count, it.first_flag_at
		FROM items it JOIN users u ON u.id = it.author_id
		ORDER BY coalesce(it.first_flag_at, it.created_at), it.type DESC, it.id
		LIMIT ? OFFSET ?`, page.PerPage, page.Offset()).Scan(&out.Items).Error
	if err != nil {
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
