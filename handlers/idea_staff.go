package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// Moderators' forms on the idea page: hide and restore the idea or a
// comment, lock comments, correct the idea's title, category and tags, and
// ban a comment's author; and the staff list of an idea's voters. Each form
// returns to the idea page (303 with a notice); invalid input shows the page
// again (422) with that item's form open and its fields marked.

// modExtras re-shows one moderator form on the idea page after an error.
type modExtras struct {
	Target string // the item whose form failed: "idea:12", "comment:34"
	Form   string // "hide", "ban" or "edit"
	Fields map[string]string
	Reason string
	Ban    banForm
	Edit   staffEditForm
}

// For reports whether the failed form is form on item typ:id, for templates.
func (m modExtras) For(form, typ string, id int64) bool {
	return m.Form == form && m.Target == typ+":"+itoa(id)
}

// reasonForm is the input of the hide forms.
type reasonForm struct {
	Reason string `form:"reason"`
}

func (h *Handler) hideIdeaForm(c echo.Context) error    { return h.hideForm(c, models.TargetIdea) }
func (h *Handler) hideCommentForm(c echo.Context) error { return h.hideForm(c, models.TargetComment) }

func (h *Handler) restoreIdeaForm(c echo.Context) error { return h.restoreForm(c, models.TargetIdea) }
func (h *Handler) restoreCommentForm(c echo.Context) error {
	return h.restoreForm(c, models.TargetComment)
}

// itemURL is the idea page at the item, with a notice.
func itemURL(st *models.ItemState, notice string) string {
	if st.Type == models.TargetComment {
		return models.CommentURL("/ideas/"+itoa(st.IdeaID), st.ID, notice)
	}
	return "/ideas/" + itoa(st.IdeaID) + "?notice=" + notice
}

func (h *Handler) hideForm(c echo.Context, kind string) error {
	id, err := targetID(c, kind)
	if err != nil {
		return err
	}
	var f reasonForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	st, err := models.HideItem(c.Request().Context(), h.db, currentUser(c), models.ItemRef{Type: kind, ID: id}, f.Reason)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.itemPageAgain(c, kind, id, modExtras{Form: "hide", Fields: ve.Fields, Reason: f.Reason})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, itemURL(st, "hidden"))
}

func (h *Handler) restoreForm(c echo.Context, kind string) error {
	id, err := targetID(c, kind)
	if err != nil {
		return err
	}
	st, err := models.RestoreItem(c.Request().Context(), h.db, currentUser(c), models.ItemRef{Type: kind, ID: id})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, itemURL(st, "restored"))
}

// itemPageAgain shows the idea page of an idea or comment again with a
// moderator form that needs fixing.
func (h *Handler) itemPageAgain(c echo.Context, kind string, id int64, m modExtras) error {
	ctx := c.Request().Context()
	ideaID, err := models.ItemIdeaID(ctx, h.db, currentUser(c), kind, id)
	if err != nil {
		return err
	}
	idea, err := models.IdeaByID(ctx, h.db, currentUser(c), ideaID)
	if err != nil {
		return err
	}
	m.Target = kind + ":" + itoa(id)
	return h.ideaPageWith(c, http.StatusUnprocessableEntity, idea, ideaExtras{Mod: m})
}

// lockForm is the input of POST /ideas/:id/lock.
type lockForm struct {
	Locked bool `form:"locked"`
}

func (h *Handler) lockCommentsForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f lockForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	idea, err := models.SetCommentsLocked(c.Request().Context(), h.db, currentUser(c), id, f.Locked)
	if err != nil {
		return err
	}
	notice := "unlocked"
	if idea.CommentsLocked {
		notice = "locked"
	}
	return c.Redirect(http.StatusSeeOther, idea.URL()+"?notice="+notice+"#comments")
}

// staffEditForm is the input of POST /ideas/:id/staff-edit.
type staffEditForm struct {
	Title    string `form:"title"`
	Category string `form:"category"`
	Tags     string `form:"tags"`
}

func (h *Handler) staffEditIdeaForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f staffEditForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	in := models.StaffEditInput{Title: f.Title, Category: f.Category, Tags: strings.Split(f.Tags, ",")}
	idea, err := models.StaffEditIdea(c.Request().Context(), h.db, currentUser(c), id, in)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.ideaPageAgain(c, http.StatusUnprocessableEntity, ideaExtras{Mod: modExtras{
			Target: models.TargetIdea + ":" + itoa(id), Form: "edit", Fields: ve.Fields, Edit: f}})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, idea.URL()+"?notice=edited")
}

// banForm is the input of POST /comments/:id/ban: the moderation queue's
// ban (a reason, and an end date or permanent) for one comment's author.
type banForm struct {
	Reason    string `form:"reason"`
	Until     string `form:"until"`
	Permanent bool   `form:"permanent"`
}

func (h *Handler) banCommentAuthorForm(c echo.Context) error {
	id, err := commentID(c)
	if err != nil {
		return err
	}
	var f banForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	ref := models.ItemRef{Type: models.TargetComment, ID: id}
	in, err := moderationForm{Action: models.ActBan, Items: []string{ref.String()}, Reason: f.Reason, Until: f.Until, Permanent: f.Permanent}.input()
	if err == nil {
		_, err = models.Moderate(c.Request().Context(), h.db, currentUser(c), in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.itemPageAgain(c, models.TargetComment, id, modExtras{Form: "ban", Fields: ve.Fields, Ban: f})
	}
	if err != nil {
		return err
	}
	ideaID, err := models.ItemIdeaID(c.Request().Context(), h.db, currentUser(c), models.TargetComment, id)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, models.CommentURL("/ideas/"+itoa(ideaID), id, "banned"))
}

// votersView is what idea_voters.html receives.
type votersView struct {
	List  *models.VoterPage
	Pager pager
}

// ideaVoters lists who voted for an idea and when (staff), 50 a page.
func (h *Handler) ideaVoters(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	_, p := bindList(c, 50)
	list, err := models.Voters(c.Request().Context(), h.db, currentUser(c), id, p)
	if err != nil {
		return err
	}
	v := votersView{List: list, Pager: newPager("/ideas/"+itoa(id)+"/voters", withPerPage(c, url.Values{}), list.Page)}
	return h.render(c, listStatus(list.Page), "idea_voters", h.page(c, "Voters: "+list.Idea.Title, v))
}
