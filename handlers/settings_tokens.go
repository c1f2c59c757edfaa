package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// tokensView is what settings_tokens.html and admin_tokens.html receive.
type tokensView struct {
	List    *models.TokenPage
	Pager   pager
	Scopes  []scopeBox // the scopes this member may grant
	Form    tokenForm
	Fields  map[string]string
	New     string // the token just created, shown once
	NewName string
	MinDate string
}

type scopeBox struct {
	Name, Hint string
	Checked    bool
}

var scopeHints = map[string]string{
	models.ScopeRead:  "read ideas, comments and your account (GET)",
	models.ScopeWrite: "post, edit, vote, follow and flag as you",
	models.ScopeStaff: "staff and admin API routes your role allows",
}

// tokenForm is the input of POST /settings/tokens.
type tokenForm struct {
	Name    string   `form:"name"`
	Scopes  []string `form:"scopes"`
	Expires string   `form:"expires"` // YYYY-MM-DD, optional: the last day it works
}

func (h *Handler) tokensPage(c echo.Context, status int, v tokensView) error {
	u := currentUser(c)
	var err error
	if v.List, err = models.APITokensOf(c.Request().Context(), h.db, u.ID, pageFromQuery(c, models.TokensPerPage)); err != nil {
		return err
	}
	v.Pager = newPager("/settings/tokens", withPerPage(c, url.Values{}), v.List.Page)
	if status == http.StatusOK {
		status = listStatus(v.List.Page)
	}
	for _, s := range models.TokenScopes {
		if s != models.ScopeStaff || u.IsStaff() {
			// A fresh form suggests read; a refused one keeps its choices.
			checked := slices.Contains(v.Form.Scopes, s) || v.Fields == nil && s == models.ScopeRead
			v.Scopes = append(v.Scopes, scopeBox{s, scopeHints[s], checked})
		}
	}
	v.MinDate = time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	return h.render(c, status, "settings_tokens", h.page(c, "API tokens", v))
}

func (h *Handler) settingsTokens(c echo.Context) error {
	return h.tokensPage(c, http.StatusOK, tokensView{})
}

// settingsCreateToken shows the new token once, on the page the form posts
// to (201): it is never stored, so it cannot survive a redirect.
func (h *Handler) settingsCreateToken(c echo.Context) error {
	var f tokenForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	in := models.TokenInput{Name: f.Name, Scopes: f.Scopes}
	if f.Expires != "" {
		d, err := time.Parse("2006-01-02", f.Expires)
		if err != nil {
			return h.tokensPage(c, http.StatusUnprocessableEntity, tokensView{Form: f,
				Fields: map[string]string{"expires_at": "Enter the expiry as a date (YYYY-MM-DD)."}})
		}
		end := d.AddDate(0, 0, 1) // works through the whole day, UTC
		in.ExpiresAt = &end
	}
	t, secret, err := models.CreateAPIToken(c.Request().Context(), h.db, currentUser(c), in)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.tokensPage(c, http.StatusUnprocessableEntity, tokensView{Form: f, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return h.tokensPage(c, http.StatusCreated, tokensView{New: secret, NewName: t.Name})
}

func (h *Handler) settingsRevokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.NotFound("No such token.")
	}
	if err := models.RevokeAPIToken(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings/tokens?notice=revoked")
}

func (h *Handler) adminTokens(c echo.Context) error {
	list, err := models.AllAPITokens(c.Request().Context(), h.db, currentUser(c), pageFromQuery(c, models.TokensPerPage))
	if err != nil {
		return err
	}
	v := tokensView{List: list, Pager: newPager("/admin/tokens", withPerPage(c, url.Values{}), list.Page)}
	return h.render(c, listStatus(list.Page), "admin_tokens", h.page(c, "API tokens", v))
}

// adminRevokeToken revokes anyone's token (audited) and returns to the same
// page of the list.
func (h *Handler) adminRevokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.NotFound("No such token.")
	}
	if err := models.AdminRevokeAPIToken(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	back := "/admin/tokens?notice=revoked"
	if n, _ := strconv.Atoi(c.FormValue("page")); n > 1 {
		back += "&page=" + strconv.Itoa(n)
	}
	return c.Redirect(http.StatusSeeOther, back)
}
