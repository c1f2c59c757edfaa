package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// listInput is the paging part of every list request.
type listInput struct {
	Page    int    `query:"page"`
	PerPage int    `query:"per_page"`
	Q       string `query:"q"`
}

// page validates paging: per_page up to 100, default def.
func (in listInput) page(def int) (models.Page, error) {
	if in.PerPage == 0 {
		in.PerPage = def
	}
	v := &models.ValidationError{}
	if in.Page < 0 {
		v.Add("page", "Page must be 1 or more.")
	}
	if in.PerPage < 1 || in.PerPage > 100 {
		v.Add("per_page", "per_page must be between 1 and 100.")
	}
	if len(in.Q) > 200 {
		v.Add("q", "Search text must be at most 200 characters.")
	}
	return models.NewPage(in.Page, in.PerPage), v.Err()
}

// bindList reads and validates ?q=&page=&per_page= for a list of def items a page.
func bindList(c echo.Context, def int) (listInput, models.Page, error) {
	var in listInput
	if err := (&echo.DefaultBinder{}).BindQueryParams(c, &in); err != nil {
		return in, models.Page{}, &models.ValidationError{Fields: map[string]string{"page": "page and per_page must be whole numbers."}}
	}
	p, err := in.page(def)
	return in, p, err
}

// usersView is what admin_users.html receives.
type usersView struct {
	Q     string
	List  *models.UserPage
	Roles []string
	Pager pager
}

func (h *Handler) adminUsers(c echo.Context) error {
	in, p, err := bindList(c, 50)
	if err != nil {
		return err
	}
	list, err := models.ListUsers(c.Request().Context(), h.db, in.Q, p)
	if err != nil {
		return err
	}
	v := usersView{Q: in.Q, List: list, Roles: models.Roles, Pager: newPager("/admin/users", url.Values{"q": {in.Q}}, list.Page)}
	return h.render(c, http.StatusOK, "admin_users", h.page(c, "Users", v))
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
