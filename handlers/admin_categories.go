package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// categoryForm is the input of the category forms.
type categoryForm struct {
	Slug        string `form:"slug"`
	Name        string `form:"name"`
	Description string `form:"description"`
	Position    int    `form:"position"`
}

func (f categoryForm) input() models.CategoryInput {
	return models.CategoryInput{Slug: f.Slug, Name: f.Name, Description: f.Description, Position: f.Position}
}

// categoriesView is what admin_categories.html receives.
type categoriesView struct {
	Categories []models.Category
	Form       categoryForm
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

func bindCategory(c echo.Context) (categoryForm, error) {
	var f categoryForm
	if err := c.Bind(&f); err != nil {
		return f, &models.ValidationError{Fields: map[string]string{"position": "Position must be a whole number."}}
	}
	return f, nil
}

func (h *Handler) adminCreateCategory(c echo.Context) error {
	f, err := bindCategory(c)
	if err == nil {
		_, err = models.CreateCategory(c.Request().Context(), h.db, currentUser(c), f.input())
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
	f, err := bindCategory(c)
	if err == nil {
		err = models.UpdateCategory(c.Request().Context(), h.db, currentUser(c), id, f.input())
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.categoriesPage(c, http.StatusUnprocessableEntity, categoriesView{Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/categories?notice=saved")
}
