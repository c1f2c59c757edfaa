package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// promoteInput is the promote form and POST /api/v1/ideas/:id/backlog:
// a provider and, to link an existing issue, its key or URL.
type promoteInput struct {
	Provider string `form:"provider" json:"provider"`
	Key      string `form:"key" json:"key"`
	URL      string `form:"url" json:"url"`
}

func (in promoteInput) model() models.PromoteInput {
	key := in.Key
	if key == "" {
		key = in.URL
	}
	return models.PromoteInput{Provider: in.Provider, KeyOrURL: key}
}

// apiBacklogItem is an item as the API shows it.
type apiBacklogItem struct {
	ID           int64   `json:"id"`
	IdeaID       int64   `json:"idea_id"`
	Provider     string  `json:"provider"`
	Key          string  `json:"key"`
	URL          string  `json:"url"`
	Status       string  `json:"status"`
	Category     string  `json:"category"`
	State        string  `json:"state"`
	LastSyncedAt *string `json:"last_synced_at"`
	LastError    string  `json:"last_error"`
}

func (h *Handler) toAPIItem(it *models.BacklogItem) apiBacklogItem {
	out := apiBacklogItem{ID: it.ID, IdeaID: it.IdeaID, Provider: it.Provider, Key: it.Key, URL: it.URL,
		Status: it.Status, Category: it.Category, State: it.State, LastError: it.LastError}
	if it.Provider == models.ProviderInternal {
		out.URL = h.opts.BaseURL.String() + it.URL
	}
	if it.LastSyncedAt != nil {
		s := it.LastSyncedAt.UTC().Format("2006-01-02T15:04:05Z")
		out.LastSyncedAt = &s
	}
	return out
}

func (h *Handler) promoteForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var in promoteInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	_, err = models.Promote(c.Request().Context(), h.db, h.opts.Trackers, currentUser(c), id, in.model())
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.ideaPageAgain(c, http.StatusUnprocessableEntity, ideaExtras{Promote: in, PromoteFields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return h.backToIdea(c, id, "promoted")
}

func (h *Handler) unlinkForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	if err := models.Unlink(c.Request().Context(), h.db, currentUser(c), id, c.Param("provider")); err != nil {
		return err
	}
	return h.backToIdea(c, id, "unlinked-backlog")
}

// statusLockInput is the form that pins an idea's status.
type statusLockInput struct {
	Locked bool `form:"locked"`
}

func (h *Handler) statusLockForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var in statusLockInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if err := models.SetStatusLocked(c.Request().Context(), h.db, currentUser(c), id, in.Locked); err != nil {
		return err
	}
	return h.backToIdea(c, id, "saved")
}

// backToIdea redirects to the idea's page with a notice, at its backlog panel.
func (h *Handler) backToIdea(c echo.Context, id int64, notice string) error {
	idea, err := models.IdeaByID(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, idea.URL()+"?notice="+notice+"#backlog")
}

func (h *Handler) apiPromote(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var in promoteInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	item, err := models.Promote(c.Request().Context(), h.db, h.opts.Trackers, currentUser(c), id, in.model())
	if err != nil {
		return err
	}
	status := http.StatusOK // already there: a retried request
	if item.New {
		status = http.StatusCreated
	}
	return c.JSON(status, h.toAPIItem(item))
}

func (h *Handler) apiBacklogItem(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	item, err := models.BacklogItemOf(c.Request().Context(), h.db, currentUser(c), id, c.Param("provider"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toAPIItem(item))
}

func (h *Handler) apiUnlink(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	if err := models.Unlink(c.Request().Context(), h.db, currentUser(c), id, c.Param("provider")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// moveInput is the board's move form and PUT /api/v1/backlog/:id/status.
type moveInput struct {
	Column string `form:"column" json:"column"`
}

func itemID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.NotFound("There is no backlog card with id " + strconv.Quote(c.Param("id")) + ".")
	}
	return id, nil
}

func (h *Handler) apiMoveCard(c echo.Context) error {
	id, err := itemID(c)
	if err != nil {
		return err
	}
	var in moveInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	item, err := models.MoveCard(c.Request().Context(), h.db, currentUser(c), id, in.Column)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toAPIItem(item))
}

func (h *Handler) moveCardForm(c echo.Context) error {
	id, err := itemID(c)
	if err != nil {
		return err
	}
	var in moveInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if _, err := models.MoveCard(c.Request().Context(), h.db, currentUser(c), id, in.Column); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/backlog?notice=moved#item-"+strconv.FormatInt(id, 10))
}

// boardView is what staff_backlog.html receives.
type boardView struct {
	Columns []models.BoardColumn
	All     []string // every column key, for the move buttons
	Column  string   // one column paged, or empty for the whole board
	Pager   pager
}

func (h *Handler) board(c echo.Context) error {
	column := c.QueryParam("column")
	_, p := bindList(c, 50)
	cols, err := models.Board(c.Request().Context(), h.db, currentUser(c), h.opts.FX, column, p)
	if err != nil {
		return err
	}
	v := boardView{Columns: cols, All: models.BoardColumns, Column: column}
	status := http.StatusOK
	if column != "" && len(cols) == 1 {
		v.Pager = newPager("/staff/backlog", withPerPage(c, url.Values{"column": {column}}), cols[0].Page)
		status = listStatus(cols[0].Page)
	}
	return h.render(c, status, "staff_backlog", h.page(c, "Backlog board", v))
}

// mappingsView is what admin_status_mappings.html receives.
type mappingsView struct {
	Mappings []models.StatusMapping
	Statuses []string
	Fields   map[string]string
}

func (h *Handler) adminStatusMappings(c echo.Context) error {
	m, err := models.StatusMappings(c.Request().Context(), h.db, currentUser(c))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "admin_status_mappings", h.page(c, "Status mappings", h.mappingsView(m, nil)))
}

func (h *Handler) mappingsView(m []models.StatusMapping, fields map[string]string) mappingsView {
	return mappingsView{Mappings: m, Statuses: models.Statuses[:len(models.Statuses)-1], Fields: fields}
}

// adminSaveStatusMappings reads one select per mapping, named
// "<provider>.<category>", with a status or "none".
func (h *Handler) adminSaveStatusMappings(c echo.Context) error {
	ctx, user := c.Request().Context(), currentUser(c)
	current, err := models.StatusMappings(ctx, h.db, user)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	var in []models.StatusMapping
	for _, m := range current {
		if v, ok := form[m.Provider+"."+m.Category]; ok && len(v) == 1 {
			s := v[0]
			in = append(in, models.StatusMapping{Provider: m.Provider, Category: m.Category, IdeaStatus: &s})
		}
	}
	_, err = models.SetStatusMappings(ctx, h.db, user, in)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		// Show the submitted choices again, the wrong ones marked.
		fields := map[string]string{}
		for i, m := range in {
			if msg := ve.Fields["mappings."+strconv.Itoa(i)]; msg != "" {
				fields[m.Provider+"."+m.Category] = msg
			}
			if j := slices.IndexFunc(current, func(x models.StatusMapping) bool { return x.Provider == m.Provider && x.Category == m.Category }); j >= 0 {
				current[j].IdeaStatus = m.IdeaStatus
			}
		}
		if msg := ve.Fields["mappings"]; msg != "" {
			fields["mappings"] = msg
		}
		return h.render(c, http.StatusUnprocessableEntity, "admin_status_mappings", h.page(c, "Status mappings", h.mappingsView(current, fields)))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/status-mappings?notice=saved")
}

func (h *Handler) apiStatusMappings(c echo.Context) error {
	m, err := models.StatusMappings(c.Request().Context(), h.db, currentUser(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"mappings": m})
}

// mappingsInput is PUT /api/v1/admin/status-mappings.
type mappingsInput struct {
	Mappings []struct {
		Provider   string  `json:"provider"`
		Category   string  `json:"category"`
		IdeaStatus *string `json:"idea_status"`
	} `json:"mappings"`
}

func (h *Handler) apiSetStatusMappings(c echo.Context) error {
	var in mappingsInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ms := make([]models.StatusMapping, 0, len(in.Mappings))
	for _, m := range in.Mappings {
		ms = append(ms, models.StatusMapping{Provider: m.Provider, Category: m.Category, IdeaStatus: m.IdeaStatus})
	}
	out, err := models.SetStatusMappings(c.Request().Context(), h.db, currentUser(c), ms)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"mappings": out})
}

// backlogLogView is what staff_backlog_log.html receives: every tracker
// webhook delivery or every CRM write-back, paged.
type backlogLogView struct {
	Kind  string
	Log   *models.IntegrationsLog
	Pager pager
}

func (h *Handler) backlogLog(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := pageFromQuery(c, 50)
		hooks, writes := p, models.NewPage(1, 1)
		title := "Tracker webhooks"
		if kind == "writebacks" {
			hooks, writes, title = models.NewPage(1, 1), p, "CRM write-back"
		}
		log, err := models.BacklogIntegrations(c.Request().Context(), h.db, currentUser(c), hooks, writes)
		if err != nil {
			return err
		}
		page := log.WebhooksPage
		if kind == "writebacks" {
			page = log.WriteBackPage
		}
		v := backlogLogView{Kind: kind, Log: log, Pager: newPager(c.Request().URL.Path, withPerPage(c, url.Values{}), page)}
		return h.render(c, listStatus(page), "staff_backlog_log", h.page(c, title, v))
	}
}
