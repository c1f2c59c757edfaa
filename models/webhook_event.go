package models

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"maps"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// Webhook event types.
const (
	EventIdeaCreated       = "idea.created"
	EventIdeaUpdated       = "idea.updated"
	EventIdeaStatusChanged = "idea.status_changed"
	EventIdeaMerged        = "idea.merged"
	EventIdeaUnmerged      = "idea.unmerged"
	EventIdeaPromoted      = "idea.promoted"
	EventCommentCreated    = "comment.created"
	EventVoteCreated       = "vote.created"
	EventVoteDeleted       = "vote.deleted"
	EventAccountLinked     = "account.linked"
	// EventTest is what "send a test event" sends; no one subscribes to it.
	EventTest = "webhook.test"
)

// WebhookEvents lists the events a webhook may subscribe to.
var WebhookEvents = []string{EventIdeaCreated, EventIdeaUpdated, EventIdeaStatusChanged, EventIdeaMerged,
	EventIdeaUnmerged, EventIdeaPromoted, EventCommentCreated, EventVoteCreated, EventVoteDeleted, EventAccountLinked}

// eventBody is the JSON every webhook request carries.
type eventBody struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

func newEventID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "msg_" + hex.EncodeToString(b)
}

// RecordEvent is the webhook outbox: inside tx, the transaction of the
// change itself, it stores the event and queues one delivery job per
// active webhook subscribed to typ, so the event goes out if and only if
// the change commits. data is the event's public JSON: the caller must not
// pass anything hidden, pending or staff-only (RecordIdeaEvent checks that
// for an idea). Without subscribers it writes nothing.
func RecordEvent(tx *gorm.DB, typ string, data any) error {
	return recordLazy(tx, typ, func() (any, bool, error) { return data, true, nil })
}

// recordLazy builds the event's data only when some webhook wants typ (the
// common case, none, costs one indexed query); ok false sends nothing.
func recordLazy(tx *gorm.DB, typ string, build func() (data any, ok bool, err error)) error {
	var hooks []int64
	if err := tx.Raw(`SELECT id FROM webhooks WHERE active AND ?::text = ANY (events) ORDER BY id`, typ).Scan(&hooks).Error; err != nil {
		return err
	}
	if len(hooks) == 0 {
		return nil
	}
	data, ok, err := build()
	if err != nil || !ok {
		return err
	}
	id, err := insertEvent(tx, typ, data)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, len(hooks))
	for i, h := range hooks {
		params[i] = river.InsertManyParams{Args: webhookArgs{WebhookID: h, EventID: id}}
	}
	return insertJobs(tx.Statement.Context, tx, params)
}

func insertEvent(tx *gorm.DB, typ string, data any) (string, error) {
	body, err := json.Marshal(eventBody{Type: typ, Timestamp: time.Now().UTC().Truncate(time.Second), Data: data})
	if err != nil {
		return "", err
	}
	id := newEventID()
	return id, tx.Exec(`INSERT INTO webhook_events (id, type, body) VALUES (?, ?, ?)`, id, typ, string(body)).Error
}

// EventIdea is an idea's public JSON in events.
type EventIdea struct {
	ID            int64     `json:"id"`
	Title         string    `json:"title"`
	Body          string    `json:"body"`
	Status        string    `json:"status"`
	Category      string    `json:"category"`
	Tags          []string  `json:"tags"`
	VoteCount     int       `json:"vote_count"`
	CommentCount  int       `json:"comment_count"`
	FollowerCount int       `json:"follower_count"`
	AuthorName    string    `json:"author_name"`
	MergedIntoID  *int64    `json:"merged_into_id"`
	URL           string    `json:"url"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// publicIdea loads an idea as an anonymous visitor sees it in tx; ok is
// false when the public cannot see it (hidden, pending, deleted).
func publicIdea(tx *gorm.DB, id int64) (ev EventIdea, ok bool, err error) {
	var ideas []Idea
	err = tx.Raw(`SELECT `+ideaSelect+ideaFrom+` WHERE i.id = @id`, map[string]any{"viewer": 0, "id": id}).Scan(&ideas).Error
	if err != nil || len(ideas) == 0 || !canSee(nil, &ideas[0]) {
		return ev, false, err
	}
	i := ideas[0]
	tags := []string(i.Tags)
	if tags == nil {
		tags = []string{}
	}
	return EventIdea{ID: i.ID, Title: i.Title, Body: i.Body, Status: i.Status, Category: i.Category, Tags: tags,
		VoteCount: i.VoteCount, CommentCount: i.CommentCount, FollowerCount: i.FollowerCount, AuthorName: i.AuthorName,
		MergedIntoID: i.MergedIntoID, URL: i.URL(), CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt}, true, nil
}

// RecordIdeaEvent records typ about idea ideaID with data {"idea": its
// public JSON, …extra} (extra says what changed), and nothing when the
// public cannot see the idea.
func RecordIdeaEvent(tx *gorm.DB, typ string, ideaID int64, extra map[string]any) error {
	return recordLazy(tx, typ, func() (any, bool, error) { return ideaData(tx, ideaID, extra) })
}

func ideaData(tx *gorm.DB, ideaID int64, extra map[string]any) (any, bool, error) {
	idea, ok, err := publicIdea(tx, ideaID)
	if err != nil || !ok {
		return nil, false, err
	}
	data := map[string]any{"idea": idea}
	maps.Copy(data, extra)
	return data, true, nil
}

// recordCommentEvent sends comment.created for a comment the public sees
// (visible, not a staff note) on an idea the public sees.
func recordCommentEvent(tx *gorm.DB, c *Comment) error {
	if c.StaffOnly || c.Moderation != "visible" || c.DeletedAt != nil {
		return nil
	}
	return recordLazy(tx, EventCommentCreated, func() (any, bool, error) {
		var author string
		if err := tx.Raw(`SELECT CASE WHEN deleted_at IS NULL THEN name ELSE 'deleted user' END FROM users WHERE id = ?`, c.AuthorID).
			Scan(&author).Error; err != nil {
			return nil, false, err
		}
		return ideaData(tx, c.IdeaID, map[string]any{"comment": map[string]any{
			"id": c.ID, "idea_id": c.IdeaID, "parent_id": c.ParentID, "body": c.Body, "author_name": author, "created_at": c.CreatedAt,
		}})
	})
}

// recordMergeEvent sends idea.merged or idea.unmerged about the target,
// naming the source (when the public can see the source).
func recordMergeEvent(tx *gorm.DB, typ string, source *Idea, targetID int64) error {
	if source.Moderation != "visible" || source.DeletedAt != nil {
		return nil
	}
	return recordLazy(tx, typ, func() (any, bool, error) {
		src, ok, err := publicIdea(tx, source.ID)
		if err != nil || !ok {
			return nil, false, err
		}
		return ideaData(tx, targetID, map[string]any{"source": src})
	})
}

// ideaChanges names the fields an author's edit changed, before and after.
func ideaChanges(old *Idea, in IdeaInput) map[string]any {
	ch := map[string]any{}
	if old.Title != in.Title {
		ch["title"] = map[string]string{"from": old.Title, "to": in.Title}
	}
	if old.Body != in.Body {
		ch["body"] = map[string]string{"from": old.Body, "to": in.Body}
	}
	if old.Category != in.Category {
		ch["category"] = map[string]string{"from": old.Category, "to": in.Category}
	}
	return ch
}

// auditChanges pairs an audit entry's before and after per field.
func auditChanges(before, after map[string]any) map[string]any {
	ch := map[string]any{}
	for k, v := range after {
		ch[k] = map[string]any{"from": before[k], "to": v}
	}
	return ch
}
