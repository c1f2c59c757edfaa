package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// auditFilter is the filter form of /admin/audit. Only these parameters
// exist; the model validates each and binds it as a parameter.
type auditFilter struct {
	Actor      string `query:"actor"`
	Action     string `query:"action"`
	TargetType string `query:"target_type"`
	TargetID   string `query:"target_id"`
	From       string `query:"from"`
	To         string `query:"to"`
}

func (f auditFilter) values() url.Values {
	return url.Values{"actor": {f.Actor}, "action": {f.Action}, "target_type": {f.TargetType},
		"target_id": {f.TargetID}, "from": {f.From}, "to": {f.To}}
}

// auditView is what admin_audit.html receives.
type auditView struct {
	Filter  auditFilter
	List    *models.AuditPage
	Pager   pager
	Fields  map[string]string
	Actions []string
}

// adminAudit shows the audit log, newest first, 50 a page, filtered. Bad
// filters show the form with their errors (422) and no rows.
func (h *Handler) adminAudit(c echo.Context) error {
	var f auditFilter
	v := auditView{Actions: models.KnownAuditActions}
	// Strings only: binding them cannot fail.
	_ = (&echo.DefaultBinder{}).BindQueryParams(c, &f)
	v.Filter = f
	list, err := models.ListAudit(c.Request().Context(), h.db, currentUser(c), models.AuditQuery{
		Actor: f.Actor, Action: f.Action, TargetType: f.TargetType, TargetID: f.TargetID, From: f.From, To: f.To,
		Page: models.NewPage(pageFromQuery(c, models.AuditPerPage).Number, models.AuditPerPage),
	})
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		v.Fields = ve.Fields
		return h.render(c, http.StatusUnprocessableEntity, "admin_audit", h.page(c, "Audit log", v))
	}
	if err != nil {
		return err
	}
	v.List, v.Pager = list, newPager("/admin/audit", f.values(), list.Page)
	return h.render(c, listStatus(list.Page), "admin_audit", h.page(c, "Audit log", v))
}
