package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// settingsView is what settings.html receives.
type settingsView struct {
	Name       string
	Fields     map[string]string
	Identities []identityView
	Linkable   []ProviderConfig
	Sessions   []sessionView
	DeleteErr  string
	Notify     *notifyPrefsView // the notification preferences card
}

type identityView struct {
	ID       int64
	Provider string
	Email    string
	Since    string
}

type sessionView struct {
	Current  bool
	Agent    string
	IP       string
	LastSeen string
	Created  string
}

func (h *Handler) settingsPage(c echo.Context, status int, v settingsView) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	if v.Notify == nil {
		v.Notify = h.notifyPrefs(c, u)
	}
	if v.Name == "" && v.Fields == nil {
		v.Name = u.Name
	}
	ids, err := models.IdentitiesOf(ctx, h.db, u.ID)
	if err != nil {
		return err
	}
	var have []string
	for _, i := range ids {
		iv := identityView{ID: i.ID, Provider: i.Provider, Since: i.CreatedAt.Format("2 Jan 2006")}
		if i.Email != nil {
			iv.Email = *i.Email
		}
		if cfg, ok := h.providers.config(i.Provider); ok {
			iv.Provider = cfg.label()
		}
		v.Identities = append(v.Identities, iv)
		have = append(have, i.Provider)
	}
	for _, p := range h.opts.Providers {
		if !slices.Contains(have, p.Name) {
			v.Linkable = append(v.Linkable, p)
		}
	}
	ss, err := models.SessionsOf(ctx, h.db, u.ID)
	if err != nil {
		return err
	}
	token, _ := c.Get(keyToken).(string)
	for _, s := range ss {
		v.Sessions = append(v.Sessions, sessionView{
			Current: s.IsToken(token), Agent: userAgentLabel(s.UserAgent), IP: s.IP,
			LastSeen: s.LastSeenAt.Format("2 Jan 2006 15:04 MST"), Created: s.CreatedAt.Format("2 Jan 2006"),
		})
	}
	return h.render(c, status, "settings", h.page(c, "Settings", v))
}

func (h *Handler) settings(c echo.Context) error {
	return h.settingsPage(c, http.StatusOK, settingsView{})
}

// nameInput is the input of POST /settings/profile and PATCH /api/v1/me.
type nameInput struct {
	Name string `form:"name" json:"name"`
}

func (h *Handler) settingsProfile(c echo.Context) error {
	var in nameInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	_, err := models.UpdateName(c.Request().Context(), h.db, currentUser(c).ID, in.Name)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.settingsPage(c, http.StatusUnprocessableEntity, settingsView{Name: in.Name, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings?notice=saved")
}

func (h *Handler) settingsUnlink(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return models.NotFound("No such linked account.")
	}
	if err := models.UnlinkIdentity(c.Request().Context(), h.db, currentUser(c).ID, id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings?notice=unlinked")
}

// settingsRevokeSessions signs out every browser, this one included.
func (h *Handler) settingsRevokeSessions(c echo.Context) error {
	if err := models.DeleteUserSessions(c.Request().Context(), h.db, currentUser(c).ID); err != nil {
		return err
	}
	h.setCookie(c, "session", "", -1, http.SameSiteLaxMode)
	return c.Redirect(http.StatusSeeOther, "/signin")
}

// settingsExport downloads everything we hold about the signed-in user.
func (h *Handler) settingsExport(c echo.Context) error {
	x, err := models.ExportUserData(c.Request().Context(), h.db, currentUser(c).ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="crowdwise-my-data.json"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSONPretty(http.StatusOK, x, "  ")
}

// deleteInput is the input of POST /settings/delete: the person types DELETE.
type deleteInput struct {
	Confirm string `form:"confirm"`
}

func (h *Handler) settingsDelete(c echo.Context) error {
	var in deleteInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if in.Confirm != "DELETE" {
		return h.settingsPage(c, http.StatusUnprocessableEntity, settingsView{DeleteErr: "Type DELETE in capitals to confirm."})
	}
	if err := models.DeleteAccount(c.Request().Context(), h.db, currentUser(c).ID); err != nil {
		return err
	}
	h.setCookie(c, "session", "", -1, http.SameSiteLaxMode)
	return c.Redirect(http.StatusSeeOther, "/")
}
