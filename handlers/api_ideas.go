package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// apiIdea is an idea in JSON; a category is its slug.
type apiIdea struct {
	ID            int64     `json:"id"`
	Title         string    `json:"title"`
	Slug          string    `json:"slug"`
	Body          string    `json:"body"`
	BodyHTML      string    `json:"body_html"`
	Status        string    `json:"status"`
	Moderation    string    `json:"moderation"`
	Category      string    `json:"category"`
	Tags          []string  `json:"tags"`
	VoteCount     int       `json:"vote_count"`
	CommentCount  int       `json:"comment_count"`
	FollowerCount int       `json:"follower_count"`
	Voted         bool      `json:"voted"`
	Following     bool      `json:"following"`
	Author        apiAuthor `json:"author"`
	MergedIntoID  *int64    `json:"merged_into_id"`
	Locked        bool      `json:"comments_locked"` // members get a 403 when they comment
	URL           string    `json:"url"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

type apiAuthor struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func (h *Handler) toAPIIdea(i *models.Idea) apiIdea {
	tags := []string(i.Tags)
	if tags == nil {
		tags = []string{}
	}
	return apiIdea{
		ID: i.ID, Title: i.Title, Slug: i.Slug(), Body: i.Body, BodyHTML: i.BodyHTML, Status: i.Status,
		Category: i.Category, Tags: tags, VoteCount: i.VoteCount, CommentCount: i.CommentCount,
		FollowerCount: i.FollowerCount, Voted: i.Voted, Following: i.Following, Moderation: i.Moderation,
		Author: apiAuthor{i.AuthorID, i.AuthorName}, MergedIntoID: i.MergedIntoID, Locked: i.CommentsLocked,
		URL: h.opts.BaseURL.String() + i.URL(), CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt,
	}
}

// ideaID reads the :id route parameter; anything but a positive integer is
// simply an idea that does not exist.
func ideaID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.NotFound("There is no idea with id " + strconv.Quote(c.Param("id")) + ".")
	}
	return id, nil
}

// routeIdea loads the idea named by :id as the signed-in user sees it.
func (h *Handler) routeIdea(c echo.Context) (*models.Idea, error) {
	id, err := ideaID(c)
	if err != nil {
		return nil, err
	}
	return models.IdeaByID(c.Request().Context(), h.db, currentUser(c), id)
}

// bindJSON decodes a JSON body into dst; unknown or mistyped fields are a
// 400. (Invalid UTF-8 never gets here: validText refuses it for every route.)
func bindJSON(c echo.Context, dst any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit's 413 passes through
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "The request body is not valid JSON for this endpoint: " + jsonProblem(err)}
	}
	return nil
}

// jsonProblem describes a decoding error without echoing input back.
func jsonProblem(err error) string {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		return "field " + strconv.Quote(e.Field) + " has the wrong type."
	case *json.SyntaxError:
		return "syntax error at byte " + strconv.FormatInt(e.Offset, 10) + "."
	}
	if err == io.EOF {
		return "the body is empty."
	}
	if len(err.Error()) < 100 {
		return err.Error()
	}
	return "malformed."
}

// ideaJSON is the input of POST and PATCH /api/v1/ideas.
type ideaJSON struct {
	Title    *string  `json:"title"`
	Body     *string  `json:"body"`
	Category *string  `json:"category"`
	Tags     []string `json:"tags"`
}

func (in ideaJSON) input(base *models.Idea) models.IdeaInput {
	out := models.IdeaInput{}
	if base != nil {
		out = models.IdeaInput{Title: base.Title, Body: base.Body, Category: base.Category, Tags: base.Tags}
	}
	if in.Title != nil {
		out.Title = *in.Title
	}
	if in.Body != nil {
		out.Body = *in.Body
	}
	if in.Category != nil {
		out.Category = *in.Category
	}
	if in.Tags != nil {
		out.Tags = in.Tags
	}
	return out
}

func (h *Handler) apiListIdeas(c echo.Context) error {
	q := listFilters(c)
	q.FX = h.opts.FX
	var err error
	if q.Page, err = bindAPIPage(c, 20); err != nil {
		return err
	}
	p, err := models.ListIdeas(c.Request().Context(), h.db, currentUser(c), q)
	if err != nil {
		return err
	}
	out := make([]apiIdea, len(p.Ideas))
	for i := range p.Ideas {
		out[i] = h.toAPIIdea(&p.Ideas[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"ideas": out, "page": p.Page.Number, "per_page": p.Page.PerPage,
		"total": p.Page.Total, "total_capped": p.Page.Capped, "has_more": p.Page.More, "next_after": p.Next})
}

func (h *Handler) apiCreateIdea(c echo.Context) error {
	var in ideaJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	idea, err := models.CreateIdea(c.Request().Context(), h.db, currentUser(c), in.input(nil))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, h.toAPIIdea(idea))
}

func (h *Handler) apiGetIdea(c echo.Context) error {
	idea, err := h.routeIdea(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toAPIIdea(idea))
}

func (h *Handler) apiUpdateIdea(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	var in ideaJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := models.IdeaByID(ctx, h.db, currentUser(c), id)
	if err != nil {
		return err
	}
	idea, err := models.UpdateIdea(ctx, h.db, currentUser(c), id, in.input(cur))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.toAPIIdea(idea))
}

func (h *Handler) apiDeleteIdea(c echo.Context) error {
	id, err := ideaID(c)
	if err != nil {
		return err
	}
	if err := models.DeleteIdea(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handler) apiCategories(c echo.Context) error {
	cs, err := models.Categories(c.Request().Context(), h.db)
	if err != nil {
		return err
	}
	type apiCategory struct {
		Slug        string `json:"slug"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	out := make([]apiCategory, len(cs))
	for i, cat := range cs {
		out[i] = apiCategory{cat.Slug, cat.Name, cat.Description}
	}
	return c.JSON(http.StatusOK, map[string]any{"categories": out})
}
