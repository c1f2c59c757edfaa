package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// createCommentForm posts a comment or reply from the idea page. On invalid
// input the page is shown again with the text kept.
func (h *Handler) createCommentForm(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var f commentForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if tooLarge(c) {
		fields := map[string]string{}
		clipText(&f.Body, maxCommentChars, "body", fields)
		return h.ideaPageAgain(c, http.StatusRequestEntityTooLarge, ideaExtras{Comment: f, Fields: fields, CommentError: h.tooLargeFormMessage()})
	}
	ctx := c.Request().Context()
	in := models.CommentInput{Body: f.Body, StaffOnly: f.StaffOnly}
	if f.ParentID > 0 {
		in.ParentID = &f.ParentID
	}
	cm, err := models.CreateComment(ctx, h.db, currentUser(c), id, in)
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.ideaPageAgain(c, http.StatusUnprocessableEntity, ideaExtras{Comment: f, Fields: ve.Fields})
	}
	if msg, ok := h.rateLimited(c, err); ok {
		return h.ideaPageAgain(c, http.StatusTooManyRequests, ideaExtras{Comment: f, CommentError: msg})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, models.CommentURL("/ideas/"+itoa(id), cm.ID, ""))
}

// commentEditForm is the input of the comment edit form.
type commentEditForm struct {
	Body string `form:"body"`
}

func commentID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.NotFound("There is no comment with id " + strconv.Quote(c.Param("id")) + ".")
	}
	return id, nil
}

func (h *Handler) updateCommentForm(c echo.Context) error {
	id, err := commentID(c)
	if err != nil {
		return err
	}
	var f commentEditForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	cm, err := models.UpdateComment(c.Request().Context(), h.db, currentUser(c), id, f.Body)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, models.CommentURL("/ideas/"+itoa(cm.IdeaID), cm.ID, ""))
}

func (h *Handler) deleteCommentForm(c echo.Context) error {
	id, err := commentID(c)
	if err != nil {
		return err
	}
	ideaID, err := models.DeleteComment(c.Request().Context(), h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, models.CommentURL("/ideas/"+itoa(ideaID), id, ""))
}

// apiComment is a comment in JSON, with its replies.
type apiComment struct {
	ID        int64         `json:"id"`
	IdeaID    int64         `json:"idea_id"`
	ParentID  *int64        `json:"parent_id"`
	Body      string        `json:"body"`
	BodyHTML  string        `json:"body_html"`
	Author    apiAuthor     `json:"author"`
	ByTeam    bool          `json:"by_team"` // the author is staff now
	CreatedAt time.Time     `json:"created_at"`
	EditedAt  *time.Time    `json:"edited_at"`
	Deleted   bool          `json:"deleted"`
	StaffOnly bool          `json:"staff_only"`
	Replies   []*apiComment `json:"replies"`
}

func toAPIComment(cm *models.Comment) *apiComment {
	out := &apiComment{
		ID: cm.ID, IdeaID: cm.IdeaID, ParentID: cm.ParentID, Body: cm.Body, BodyHTML: cm.BodyHTML,
		Author: apiAuthor{cm.AuthorID, cm.AuthorName}, ByTeam: cm.ByTeam(), CreatedAt: cm.CreatedAt, EditedAt: cm.EditedAt,
		Deleted: cm.Deleted(), StaffOnly: cm.StaffOnly, Replies: []*apiComment{},
	}
	for _, r := range cm.Replies {
		out.Replies = append(out.Replies, toAPIComment(r))
	}
	return out
}

// apiComments answers a page of the idea's discussion: ThreadPageSize
// top-level comments with their replies, the next page at ?after=
// (next_after), the one before at ?before= (prev_before); both "" when
// there is no such page.
func (h *Handler) apiComments(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	q := models.ThreadQuery{After: c.QueryParam("after"), Before: c.QueryParam("before")}
	v := &models.ValidationError{}
	for field, s := range map[string]string{"after": q.After, "before": q.Before} {
		if !models.ValidThreadCursor(s) {
			v.Add(field, field+" must be a cursor this list gave (next_after or prev_before).")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := models.IdeaByID(ctx, h.db, currentUser(c), id); err != nil {
		return err
	}
	page, err := models.ThreadPageOf(ctx, h.db, currentUser(c), id, q)
	if err != nil {
		return err
	}
	out := make([]*apiComment, len(page.Roots))
	for i, cm := range page.Roots {
		out[i] = toAPIComment(cm)
	}
	return c.JSON(http.StatusOK, map[string]any{"comments": out, "next_after": page.Later,
		"prev_before": page.Earlier, "truncated": page.Truncated})
}

// commentJSON is the input of POST /api/v1/ideas/:id/comments and PATCH
// /api/v1/comments/:id.
type commentJSON struct {
	Body      string `json:"body"`
	ParentID  *int64 `json:"parent_id"`
	StaffOnly bool   `json:"staff_only"`
}

func (h *Handler) apiCreateComment(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var in commentJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cm, err := models.CreateComment(c.Request().Context(), h.db, currentUser(c), id, models.CommentInput{Body: in.Body, ParentID: in.ParentID, StaffOnly: in.StaffOnly})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIComment(cm))
}

func (h *Handler) apiUpdateComment(c echo.Context) error {
	id, err := commentID(c)
	if err != nil {
		return err
	}
	var in commentJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	cm, err := models.UpdateComment(c.Request().Context(), h.db, currentUser(c), id, in.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIComment(cm))
}

func (h *Handler) apiDeleteComment(c echo.Context) error {
	id, err := commentID(c)
	if err != nil {
		return err
	}
	if _, err := models.DeleteComment(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
