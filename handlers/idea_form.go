package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// ideaForm is the input of the new and edit idea forms.
type ideaForm struct {
	Title    string `form:"title"`
	Body     string `form:"body"`
	Category string `form:"category"`
	Tags     string `form:"tags"`
	Confirm  bool   `form:"confirm"`
}

func (f ideaForm) input() models.IdeaInput {
	return models.IdeaInput{Title: f.Title, Body: f.Body, Category: f.Category, Tags: strings.Split(f.Tags, ",")}
}

// ideaFormView is what idea_form.html receives.
type ideaFormView struct {
	Idea       *models.Idea // nil for a new idea
	Form       ideaForm
	Fields     map[string]string
	Categories []models.Category
	Similar    []models.SimilarIdea // the confirm step without JavaScript
	Error      string               // e.g. a rate limit, shown above the form
}

func (h *Handler) ideaFormPage(c echo.Context, status int, v ideaFormView) error {
	cats, err := models.Categories(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	v.Categories = cats
	v.Form.Category = knownCategory(cats, v.Form.Category)
	title := "Share an idea"
	if v.Idea != nil {
		title = "Edit idea"
	}
	return h.render(c, status, "idea_form", h.page(c, title, v))
}

// knownCategory is slug when it names a category, else the default: a
// select with nothing selected would submit whichever category sorts first.
func knownCategory(cats []models.Category, slug string) string {
	for _, cat := range cats {
		if cat.Slug == slug {
			return slug
		}
	}
	return models.DefaultCategory
}

// newIdea preselects the category of the list the person came from.
func (h *Handler) newIdea(c echo.Context) error {
	return h.ideaFormPage(c, http.StatusOK, ideaFormView{Form: ideaForm{Category: c.QueryParam("category")}})
}

// createIdea posts an idea. Without JavaScript the first submit shows
// possible duplicates as a confirm step; "post anyway" sends confirm=true.
func (h *Handler) createIdea(c echo.Context) error {
	var f ideaForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if tooLarge(c) {
		return h.ideaFormPage(c, http.StatusRequestEntityTooLarge, h.ideaFormCut(nil, f))
	}
	ctx := c.Request().Context()
	if !f.Confirm {
		similar, err := models.Similar(ctx, h.db, currentUser(c), f.Title, 5)
		if err == nil && len(similar) > 0 {
			return h.ideaFormPage(c, http.StatusOK, ideaFormView{Form: f, Similar: similar})
		}
	}
	idea, err := models.CreateIdea(ctx, h.db, currentUser(c), f.input())
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.ideaFormPage(c, http.StatusUnprocessableEntity, ideaFormView{Form: f, Fields: ve.Fields})
	}
	if msg, ok := h.rateLimited(c, err); ok {
		f.Confirm = true // they already saw any suggestions
		return h.ideaFormPage(c, http.StatusTooManyRequests, ideaFormView{Form: f, Error: msg})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, idea.URL())
}

func (h *Handler) editIdea(c echo.Context) error {
	idea, err := h.routeIdea(c)
	if err != nil {
		return err
	}
	if !idea.EditableBy(currentUser(c)) {
		return models.Forbidden("You can't edit this idea.")
	}
	f := ideaForm{Title: idea.Title, Body: idea.Body, Category: idea.Category, Tags: strings.Join(idea.Tags, ", ")}
	return h.ideaFormPage(c, http.StatusOK, ideaFormView{Idea: idea, Form: f})
}

func (h *Handler) updateIdea(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f ideaForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if tooLarge(c) {
		cur, err := h.routeIdea(c)
		if err != nil {
			return err
		}
		if !cur.EditableBy(currentUser(c)) {
			return models.Forbidden("You can't edit this idea.")
		}
		return h.ideaFormPage(c, http.StatusRequestEntityTooLarge, h.ideaFormCut(cur, f))
	}
	ctx := c.Request().Context()
	idea, err := models.UpdateIdea(ctx, h.db, currentUser(c), id, f.input())
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		cur, cerr := h.routeIdea(c)
		if cerr != nil {
			return cerr
		}
		return h.ideaFormPage(c, http.StatusUnprocessableEntity, ideaFormView{Idea: cur, Form: f, Fields: ve.Fields})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, idea.URL())
}

// ideaFormCut shows a form that was over the body limit again with what
// fits of each field (see bodyLimit); nothing was saved.
func (h *Handler) ideaFormCut(idea *models.Idea, f ideaForm) ideaFormView {
	fields := map[string]string{}
	clipText(&f.Title, maxTitleChars, "title", fields)
	clipText(&f.Body, maxIdeaChars, "body", fields)
	clipText(&f.Tags, maxTagsChars, "tags", fields)
	f.Confirm = false // any duplicate suggestions were not checked
	return ideaFormView{Idea: idea, Form: f, Fields: fields, Error: h.tooLargeFormMessage()}
}

func (h *Handler) deleteIdea(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	if err := models.DeleteIdea(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/?notice=idea-deleted")
}

// rateLimited reports a 429 from the models as a message for the form, with
// Retry-After set, so a form can be shown again with the member's text.
func (h *Handler) rateLimited(c echo.Context, err error) (string, bool) {
	var rl *models.RateLimitError
	if !errors.As(err, &rl) {
		return "", false
	}
	c.Response().Header().Set("Retry-After", retryAfter(err))
	return rl.Message, true
}
