package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// listInput is the search text of a list page.
type listInput struct {
	Q string
}

// bindList reads ?q=&page=&per_page= for a list page of def items a page.
// Paging never fails on a page (see pageFromQuery); the search text is
// checked by the model that reads it.
func bindList(c echo.Context, def int) (listInput, models.Page) {
	return listInput{Q: c.QueryParam("q")}, pageFromQuery(c, def)
}

// usersView is what admin_users.html receives. After a refused ban, BanID
// names the row whose ban form is reopened with Ban and Fields.
type usersView struct {
	Q        string
	List     *models.UserPage
	Roles    []string
	Pager    pager
	MinUntil string // the earliest ban end the date picker offers
	BanID    int64
	Ban      userBanForm
	Fields   map[string]string
}

func (h *Handler) usersPage(c echo.Context, status int, in listInput, p models.Page, v usersView) error {
	list, err := models.ListUsers(c.Request().Context(), h.db, in.Q, p)
	if err != nil {
		return err
	}
	v.Q, v.List, v.Roles = in.Q, list, models.Roles
	v.Pager = newPager("/admin/users", withPerPage(c, url.Values{"q": {in.Q}}), list.Page)
	v.MinUntil = time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	if status == http.StatusOK {
		status = listStatus(list.Page)
	}
	return h.render(c, status, "admin_users", h.page(c, "Users", v))
}

func (h *Handler) adminUsers(c echo.Context) error {
	in, p := bindList(c, 50)
	return h.usersPage(c, http.StatusOK, in, p, usersView{})
}

// userBanForm is the input of the ban form on a member's row of /admin/users.
// Like the moderation queue, it needs an end date or an explicit
// "permanent", so a forgotten date never bans someone for ever.
type userBanForm struct {
	Reason    string `form:"reason"`
	Until     string `form:"until"`
	Permanent bool   `form:"permanent"`
	Q         string `form:"q"`
	Page      int    `form:"page"`
}

func (f userBanForm) input() (models.BanInput, error) {
	in := models.BanInput{Reason: f.Reason}
	until := strings.TrimSpace(f.Until)
	msg := ""
	switch {
	case f.Permanent && until != "":
		msg = "Choose an end date or a permanent ban, not both."
	case !f.Permanent && until == "":
		msg = "Choose when the ban ends, or make it permanent."
	case until != "":
		t, ok := parseUntil(until)
		if !ok {
			msg = "Enter the date the ban ends."
		}
		in.Until = t
	}
	if msg != "" {
		return in, &models.ValidationError{Fields: map[string]string{"until": msg}}
	}
	return in, nil
}

// back is the users page the row's form came from.
func (f userBanForm) back(notice string) string {
	q := url.Values{"notice": {notice}}
	if f.Q != "" {
		q.Set("q", f.Q)
	}
	if f.Page > 1 {
		q.Set("page", strconv.Itoa(f.Page))
	}
	return "/admin/users?" + q.Encode()
}

// adminUserBan bans a member from their row (audited, signed out
// everywhere); a refused ban reopens the row's form with the errors (422).
func (h *Handler) adminUserBan(c echo.Context) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	var f userBanForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	in, err := f.input()
	if err == nil {
		_, err = models.BanUser(c.Request().Context(), h.db, currentUser(c), id, in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.usersPage(c, http.StatusUnprocessableEntity, listInput{Q: f.Q}, models.NewPage(f.Page, 50), usersView{BanID: id, Ban: f, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, f.back("banned"))
}

// adminUserUnban lifts a member's ban from their row (audited).
func (h *Handler) adminUserUnban(c echo.Context) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	var f userBanForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if err := models.UnbanUser(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, f.back("unbanned"))
}

// roleInput is the input of the role change form and PUT /api/v1/users/:id/role.
type roleInput struct {
	Role string `form:"role" json:"role"`
}

func (h *Handler) changeRole(c echo.Context) (*models.User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, models.NotFound("No such user.")
	}
	var in roleInput
	if err := c.Bind(&in); err != nil {
		return nil, &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the request."}
	}
	u, err := models.SetRole(c.Request().Context(), h.db, currentUser(c), id, in.Role)
	if err != nil {
		return nil, err
	}
	// SetRole ended the person's sessions; an admin who changed their own
	// role carries on in a fresh one.
	if u.ID == currentUser(c).ID {
		if err := h.startSession(c, u); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func (h *Handler) adminUserRole(c echo.Context) error {
	if _, err := h.changeRole(c); err != nil {
		return err
	}
	back := "/admin/users?notice=role-changed"
	if q := c.FormValue("q"); q != "" {
		back += "&q=" + url.QueryEscape(q)
	}
	return c.Redirect(http.StatusSeeOther, back)
}

func (h *Handler) apiUserRole(c echo.Context) error {
	u, err := h.changeRole(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"user": toAPIUser(u)})
}
