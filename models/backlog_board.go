package models

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// BoardCard is one idea on the built-in board.
type BoardCard struct {
	ItemID    int64
	IdeaID    int64
	Title     string
	Status    string // the idea's status
	VoteCount int
	ARRCents  int64
	ARR       string // formatted; empty when no account is at stake
}

// URL is the idea's page.
func (c BoardCard) URL() string { return (&Idea{ID: c.IdeaID, Title: c.Title}).URL() }

// BoardColumn is one column of the board, a page of its cards (most votes
// first).
type BoardColumn struct {
	Key   string
	Title string
	Cards []BoardCard
	Page  Page
}

// Board reads the built-in board: every column's first page, or when
// column is set, that page of that column only.
func Board(ctx context.Context, db *gorm.DB, actor *User, fx FX, column string, page Page) ([]BoardColumn, error) {
	if !actor.HasRole(RoleProductManager) {
		return nil, Forbidden("Only product managers can see the backlog board.")
	}
	cols := BoardColumns
	if column != "" {
		if !slices.Contains(BoardColumns, column) {
			return nil, &ValidationError{Fields: map[string]string{"column": "Choose one of backlog, next, in_progress, done, wont_do."}}
		}
		cols = []string{column}
	} else {
		page.Number = 1
	}
	db = db.WithContext(ctx)
	out := make([]BoardColumn, 0, len(cols))
	var ideaIDs []int64
	for _, key := range cols {
		col := BoardColumn{Key: key, Title: ColumnTitle(key), Page: page}
		if err := db.Raw(`SELECT count(*) FROM backlog_items WHERE provider = 'internal' AND category = ?`, key).
			Scan(&col.Page.Total).Error; err != nil {
			return nil, err
		}
		if err := db.Raw(`SELECT b.id AS item_id, i.id AS idea_id, i.title, i.status, i.vote_count
			FROM backlog_items b JOIN ideas i ON i.id = b.idea_id
			WHERE b.provider = 'internal' AND b.category = ?
			ORDER BY i.vote_count DESC, b.id LIMIT ? OFFSET ?`, key, page.PerPage, page.Offset()).Scan(&col.Cards).Error; err != nil {
			return nil, err
		}
		for _, c := range col.Cards {
			ideaIDs = append(ideaIDs, c.IdeaID)
		}
		out = append(out, col)
	}
	arr, err := ARRAtStake(ctx, db, fx, ideaIDs)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for j := range out[i].Cards {
			c := &out[i].Cards[j]
			if c.ARRCents = arr[c.IdeaID]; c.ARRCents > 0 {
				c.ARR = formatMoney(c.ARRCents, fx.Currency)
			}
		}
	}
	return out, nil
}

// MoveCard moves a built-in board card to a column: a tracker status
// change like any other (the idea follows, voters hear, CRMs get their
// write-back). Audited.
func MoveCard(ctx context.Context, db *gorm.DB, actor *User, itemID int64, column string) (*BacklogItem, error) {
	if !actor.HasRole(RoleProductManager) {
		return nil, Forbidden("Only product managers can move backlog cards.")
	}
	if !slices.Contains(BoardColumns, column) {
		return nil, &ValidationError{Fields: map[string]string{"column": "Choose one of backlog, next, in_progress, done, wont_do."}}
	}
	var item *BacklogItem
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if item, err = lockItem(tx, itemID); err != nil {
			return err
		}
		if item == nil {
			return NotFound("There is no such backlog card.")
		}
		if item.Provider != ProviderInternal {
			return Conflict("This item lives in " + ProviderName(item.Provider) + "; move it there and the idea follows.")
		}
		from := item.Category
		if from == column {
			return nil
		}
		if _, err := syncItem(tx, item, tracker.Item{Status: ColumnTitle(column), Category: column}, actor); err != nil {
			return err
		}
		return audit(tx, actor, "backlog.move", "idea", item.IdeaID, map[string]string{"column": from}, map[string]string{"column": column})
	})
	if err != nil {
		return nil, err
	}
	return item, nil
}
