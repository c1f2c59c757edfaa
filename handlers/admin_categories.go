package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// categoryForm is the input of the category forms. Position stays text so
// a bad value is shown back as typed; empty means "last" for a new category
// and "unchanged" for an existing one.
type categoryForm struct {
	Slug        string `form:"slug"`
	Name        string `form:"name"`
	Description string `form:"description"`
	Position    string `form:"position"`
}

func (f categoryForm) input() (models.CategoryInput, error) {
	in := models.CategoryInput{Slug: f.Slug, Name: f.Name, Description: f.Description}
	if p := strings.TrimSpace(f.Position); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return in, &models.ValidationError{Fields: map[string]string{"position": "Position must be a whole number."}}
		}
		in.Position = &n
	}
	return in, nil
}

// categoriesView is what admin_categories.html receives. After a refused
// save, Fields belong to the row EditID (shown with Edit), or to the new
// category form (Form) when EditID is 0.
type categoriesView struct {
	Categories []models.Category
	Form       categoryForm
	Edit       categoryForm
	EditID     int64
	Fields     map[string]string
}

func (h *Handler) categoriesPage(c echo.Context, status int, v categoriesView) error {
	cs, err := models.Categories(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	v.Categories = cs
	return h.render(c, status, "admin_categories", h.page(c, "Categories", v))
}

func (h *Handler) adminCategories(c echo.Context) error {
	return h.categoriesPage(c, http.StatusOK, categoriesView{})
}

func bindCategory(c echo.Context) (categoryForm, models.CategoryInput, error) {
	var f categoryForm
	if err := c.Bind(&f); err != nil {
		return f, models.CategoryInput{}, &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	in, err := f.input()
	return f, in, err
}

func (h *Handler) adminCreateCategory(c echo.Context) error {
	f, in, err := bindCategory(c)
	if err == nil {
		_, err = models.CreateCategory(c.Request().Context(), h.db, currentUser(c), in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.categoriesPage(c, http.StatusUnprocessableEntity, categoriesView{Form: f, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/categories?notice=saved")
}

func (h *Handler) adminUpdateCategory(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return models.NotFound("No such category.")
	}
	f, in, err := bindCategory(c)
	if err == nil {
		err = models.UpdateCategory(c.Request().Context(), h.db, currentUser(c), id, in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.categoriesPage(c, http.StatusUnprocessableEntity, categoriesView{Edit: f, EditID: id, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/categories?notice=saved")
}
