package models

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Backlog providers: the built-in board and the external trackers.
const (
	ProviderInternal = "internal"
	ProviderJira     = "jira"
	ProviderGitHub   = "github"
	ProviderLinear   = "linear"
)

// BacklogProviders lists every provider in the order pages show them.
var BacklogProviders = []string{ProviderInternal, ProviderJira, ProviderGitHub, ProviderLinear}

var providerNames = map[string]string{
	ProviderInternal: "Built-in board", ProviderJira: "Jira", ProviderGitHub: "GitHub", ProviderLinear: "Linear",
}

// ProviderName is how pages and timelines name a provider.
func ProviderName(p string) string {
	if n, ok := providerNames[p]; ok {
		return n
	}
	return p
}

// A backlog item's life: an external issue is being created (a job), is
// linked, or could not be created after every retry.
const (
	ItemCreating = "creating"
	ItemLinked   = "linked"
	ItemFailed   = "failed"
)

// BacklogItem is an idea's issue in one tracker (one per idea and provider).
type BacklogItem struct {
	ID           int64      `json:"id"`
	IdeaID       int64      `json:"idea_id"`
	Provider     string     `json:"provider"`
	ExternalID   string     `json:"-"`
	Key          string     `json:"key"`
	URL          string     `json:"url"`
	Status       string     `json:"status"`   // the tracker's raw status name
	Category     string     `json:"category"` // a board column / tracker category
	State        string     `json:"state"`
	CreatedBy    *int64     `json:"-"`
	LastSyncedAt *time.Time `json:"last_synced_at"`
	LastError    string     `json:"last_error"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	// New is set by Promote when it made the item (not found it there).
	New bool `gorm:"-" json:"-"`
}

func (BacklogItem) TableName() string { return "backlog_items" }

// ProviderName names the item's tracker.
func (b BacklogItem) ProviderName() string { return ProviderName(b.Provider) }

// CategoryName names the item's category for people.
func (b BacklogItem) CategoryName() string { return ColumnTitle(b.Category) }

// sourceName is how a timeline names the item: "Jira PROJ-12".
func (b BacklogItem) sourceName() string {
	if b.Provider == ProviderInternal || b.Key == "" {
		return ProviderName(b.Provider)
	}
	return ProviderName(b.Provider) + " " + b.Key
}

// Trackers are the configured external trackers by provider. The built-in
// board needs none and is always available.
type Trackers map[string]tracker.Tracker

// Available lists the providers staff can promote to, in page order.
func (t Trackers) Available() []string {
	out := []string{ProviderInternal}
	for _, p := range BacklogProviders[1:] {
		if t[p] != nil {
			out = append(out, p)
		}
	}
	return out
}

// PromoteInput is a promotion: a provider and, to link an existing issue,
// its key or URL (empty: create a new one).
type PromoteInput struct {
	Provider string
	KeyOrURL string
}

// Promote puts an idea in a backlog. On the built-in board the card exists
// at once; for a tracker an existing issue is looked up and linked now,
// while a new one is created by a job queued in the same transaction (see
// runBacklogCreate). Product managers and admins only; audited.
func Promote(ctx context.Context, db *gorm.DB, trackers Trackers, actor *User, ideaID int64, in PromoteInput) (*BacklogItem, error) {
	if !actor.HasRole(RoleProductManager) {
		return nil, Forbidden("Only product managers can promote ideas to the backlog.")
	}
	in.Provider, in.KeyOrURL = strings.TrimSpace(in.Provider), strings.TrimSpace(in.KeyOrURL)
	v := &ValidationError{}
	if !slices.Contains(trackers.Available(), in.Provider) {
		v.Add("provider", "Choose one of "+strings.Join(trackers.Available(), ", ")+".")
	}
	if p := textProblem(in.KeyOrURL); p != "" {
		v.Add("key", "The key "+p+".")
	} else if utf8.RuneCountInString(in.KeyOrURL) > 2000 {
		v.Add("key", "Keys and links must be at most 2,000 characters.")
	} else if in.Provider == ProviderInternal && in.KeyOrURL != "" {
		v.Add("key", "The built-in board makes its own cards; leave the key empty.")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var existing *tracker.Item
	if in.Provider != ProviderInternal && in.KeyOrURL != "" {
		it, err := lookupIssue(ctx, trackers[in.Provider], in.KeyOrURL)
		if err != nil {
			return nil, err
		}
		existing = &it
	}
	var item BacklogItem
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		idea, err := lockIdea(tx, ideaID)
		if err != nil {
			return err
		}
		if idea.MergedIntoID != nil {
			return Conflict("This idea was merged; promote the idea it was merged into.")
		}
		if idea.DeletedAt != nil {
			return Conflict("This idea was deleted by its author.")
		}
		// Promoting again to the same backlog is the item already there
		// (a retried request); another issue for it is a conflict.
		var have []BacklogItem
		if err := tx.Where("idea_id = ? AND provider = ?", ideaID, in.Provider).Find(&have).Error; err != nil {
			return err
		}
		if len(have) > 0 {
			if existing == nil || existing.ExternalID == have[0].ExternalID {
				item = have[0]
				return nil
			}
			return Conflict("This idea is already in the " + ProviderName(in.Provider) + " backlog as " + have[0].Key + "; unlink it first.")
		}
		item = BacklogItem{IdeaID: ideaID, Provider: in.Provider, State: ItemCreating, Category: tracker.CategoryBacklog, CreatedBy: &actor.ID}
		now := time.Now().UTC()
		switch {
		case in.Provider == ProviderInternal:
			item.State, item.Status, item.LastSyncedAt = ItemLinked, ColumnTitle(ColumnBacklog), &now
		case existing != nil:
			item.State, item.LastSyncedAt = ItemLinked, &now
			item.ExternalID, item.Key, item.URL = existing.ExternalID, existing.Key, existing.URL
			item.Status, item.Category = clip(existing.Status, 200), validCategory(existing.Category)
		}
		if err := insertItem(tx, &item); err != nil {
			return err
		}
		item.New = true
		if in.Provider == ProviderInternal {
			item.URL = "/staff/backlog#item-" + itoa(item.ID)
			if err := tx.Exec(`UPDATE backlog_items SET url = ? WHERE id = ?`, item.URL, item.ID).Error; err != nil {
				return err
			}
		}
		if err := audit(tx, actor, "backlog.promote", "idea", ideaID, nil,
			map[string]any{"provider": item.Provider, "key": item.Key, "state": item.State}); err != nil {
			return err
		}
		if err := RecordIdeaEvent(tx, EventIdeaPromoted, ideaID, map[string]any{"backlog": map[string]string{
			"provider": item.Provider, "category": item.Category}}); err != nil {
			return err
		}
		if item.State == ItemCreating {
			return insertJobs(ctx, tx, []river.InsertManyParams{{Args: backlogCreateArgs{ItemID: item.ID}}})
		}
		return itemLinked(tx, &item, idea, actor)
	})
	if err != nil {
		return nil, err
	}
	return &item, nil
}

// itemLinked runs when an item first knows its tracker status (promotion
// to the board, linking, or the create job): the idea follows that status
// and the accounts behind it hear of the promotion.
func itemLinked(tx *gorm.DB, item *BacklogItem, idea *Idea, actor *User) error {
	change, err := followTracker(tx, item, idea, actor, sourceText(item, true))
	if err != nil {
		return err
	}
	if change != nil {
		return nil // the status change queued its own write-backs
	}
	return queueWriteBacks(tx, item.IdeaID, "promote:"+itoa(item.ID), nil)
}

// insertItem inserts a new item, turning the unique constraints into
// messages for staff.
func insertItem(tx *gorm.DB, item *BacklogItem) error {
	err := tx.Omit("CreatedAt", "UpdatedAt").Create(item).Error
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		if pg.ConstraintName == "backlog_items_external_idx" {
			return Conflict("That issue is already linked to another idea; merge the two ideas instead.")
		}
		return Conflict("This idea is already in the " + ProviderName(item.Provider) + " backlog.")
	}
	return err
}

// lookupIssue reads an existing issue a staff member typed, with every
// failure said at the key field.
func lookupIssue(ctx context.Context, tr tracker.Tracker, keyOrURL string) (tracker.Item, error) {
	name := ProviderName(tr.Provider())
	key, err := tr.ParseKey(keyOrURL)
	var ik *tracker.InvalidKeyError
	if errors.As(err, &ik) {
		return tracker.Item{}, &ValidationError{Fields: map[string]string{"key": "That is not a " + name + " key or link: " + ik.Reason + "."}}
	}
	if err != nil {
		return tracker.Item{}, err
	}
	it, err := tr.Get(ctx, key)
	if err != nil {
		return tracker.Item{}, &ValidationError{Fields: map[string]string{"key": trackerErrorText(name, err, key)}}
	}
	return it, nil
}

// trackerErrorText says a tracker failure in words staff can act on,
// never the raw transport error.
func trackerErrorText(name string, err error, key string) string {
	var rl *tracker.RateLimitedError
	var api *tracker.APIError
	switch {
	case errors.Is(err, tracker.ErrNotFound):
		if key != "" {
			return name + " has no issue " + key + " that Crowdwise can see."
		}
		return name + " could not find the project or issue."
	case errors.Is(err, tracker.ErrUnauthorized):
		return name + " refused Crowdwise's credentials; an admin should check the configuration."
	case errors.As(err, &rl):
		return name + " asked Crowdwise to slow down; try again in a minute."
	case errors.As(err, &api):
		return name + " refused the request: " + clip(api.Message, 300)
	}
	return name + " could not be reached; try again later."
}

func validCategory(c string) string {
	if slices.Contains(BoardColumns, c) {
		return c
	}
	return tracker.CategoryBacklog
}

// IdeaBacklog lists an idea's backlog items, in provider order.
func IdeaBacklog(ctx context.Context, db *gorm.DB, ideaID int64) ([]BacklogItem, error) {
	var out []BacklogItem
	err := db.WithContext(ctx).Where("idea_id = ?", ideaID).Order("id").Limit(len(BacklogProviders)).Find(&out).Error
	slices.SortStableFunc(out, func(a, b BacklogItem) int {
		return slices.Index(BacklogProviders, a.Provider) - slices.Index(BacklogProviders, b.Provider)
	})
	return out, err
}

// BacklogItemOf is an idea's item in one provider.
func BacklogItemOf(ctx context.Context, db *gorm.DB, actor *User, ideaID int64, provider string) (*BacklogItem, error) {
	if !actor.HasRole(RoleProductManager) {
		return nil, Forbidden("Only product managers can see backlog items.")
	}
	var item BacklogItem
	err := db.WithContext(ctx).Where("idea_id = ? AND provider = ?", ideaID, provider).Take(&item).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("This idea is not in the " + ProviderName(provider) + " backlog.")
	}
	return &item, err
}

// Unlink removes an idea's item in one provider. The tracker's issue stays
// where it is; the idea keeps its status. Audited. Unlinking what is not
// linked changes nothing (a retried DELETE).
func Unlink(ctx context.Context, db *gorm.DB, actor *User, ideaID int64, provider string) error {
	if !actor.HasRole(RoleProductManager) {
		return Forbidden("Only product managers can change the backlog.")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var item BacklogItem
		res := tx.Raw(`DELETE FROM backlog_items WHERE idea_id = ? AND provider = ? RETURNING *`, ideaID, provider).Scan(&item)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		return audit(tx, actor, "backlog.unlink", "idea", ideaID,
			map[string]any{"provider": item.Provider, "key": item.Key, "url": item.URL}, nil)
	})
}

// IdeaBacklogState is what an idea page shows about the backlog: the items
// (staff only) and the lock on the idea's status.
type IdeaBacklogState struct {
	Items        []BacklogItem
	StatusLocked bool
	// Public is the category everyone may see ("In the backlog: Done"),
	// empty when the idea is in no backlog.
	Public string
}

// BacklogStateOf reads the backlog state of an idea for the idea page.
func BacklogStateOf(ctx context.Context, db *gorm.DB, ideaID int64) (*IdeaBacklogState, error) {
	s := &IdeaBacklogState{}
	var err error
	if s.Items, err = IdeaBacklog(ctx, db, ideaID); err != nil {
		return nil, err
	}
	if err := db.WithContext(ctx).Raw(`SELECT status_locked FROM ideas WHERE id = ?`, ideaID).Scan(&s.StatusLocked).Error; err != nil {
		return nil, err
	}
	for _, it := range s.Items {
		if it.State == ItemLinked {
			s.Public = it.CategoryName()
			break
		}
	}
	return s, nil
}

// SetStatusLocked pins (or frees) an idea's status: while locked, tracker
// changes update the backlog item but leave the idea's status alone.
func SetStatusLocked(ctx context.Context, db *gorm.DB, actor *User, ideaID int64, locked bool) error {
	if !actor.IsStaff() {
		return Forbidden("Only staff can lock an idea's status.")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockIdea(tx, ideaID); err != nil {
			return err
		}
		var was bool
		if err := tx.Raw(`SELECT status_locked FROM ideas WHERE id = ?`, ideaID).Scan(&was).Error; err != nil {
			return err
		}
		if was == locked {
			return nil
		}
		if err := tx.Exec(`UPDATE ideas SET status_locked = ?, updated_at = now() WHERE id = ?`, locked, ideaID).Error; err != nil {
			return err
		}
		return audit(tx, actor, "idea.status_lock", "idea", ideaID, map[string]any{"status_locked": was}, map[string]any{"status_locked": locked})
	})
}

// formatMoney writes cents of a currency for people: "$120,000" for USD,
// "120,000 EUR" otherwise (whole units; ARR is never about cents).
func formatMoney(cents int64, currency string) string {
	units := strconv.FormatInt((cents+50)/100, 10)
	var b strings.Builder
	for i, r := range units {
		if i > 0 && (len(units)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if currency == "" || currency == "USD" {
		return "$" + b.String()
	}
	return b.String() + " " + currency
}
