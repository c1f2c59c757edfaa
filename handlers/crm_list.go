package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// The home list's CRM sorts and filters, for product managers and admins
// (models/idea_list_crm.go has the rules).

// crmListView is the extra filter choice product managers get.
type crmListView struct {
	Segments   []string
	Lifecycles []string
}

// sortNames are the tabs the viewer gets.
func sortNames(c echo.Context) []string {
	if models.SeesCRM(currentUser(c)) {
		return append(append([]string{}, models.SortNames...), models.CRMSortNames...)
	}
	return models.SortNames
}

// knownSort reports whether sort is a tab the viewer has.
func knownSort(c echo.Context, sort string) bool {
	if _, ok := models.Sorts[sort]; ok {
		return true
	}
	_, ok := models.CRMSorts[sort]
	return ok && models.SeesCRM(currentUser(c))
}

// crmList is the filter choice for product managers, nil for others.
func (h *Handler) crmList(ctx context.Context, c echo.Context) (*crmListView, error) {
	if !models.SeesCRM(currentUser(c)) {
		return nil, nil
	}
	segs, err := models.Segments(ctx, h.db)
	if err != nil {
		return nil, err
	}
	return &crmListView{Segments: segs, Lifecycles: models.Lifecycles}, nil
}
