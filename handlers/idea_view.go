package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// ideaView is what idea.html receives.
type ideaView struct {
	Idea    *models.Idea
	Thread  *models.ThreadPage // the page of the discussion asked for
	Rows    []commentRow       // Thread as the page shows it
	Flag    flagView           // the idea's flag form
	Similar []models.SimilarIdea
	// SimilarPending: the similar ideas were not ready in time (see
	// similarCache.get); a later view shows them.
	SimilarPending bool
	History        []models.StatusChange
	Merged         []models.Idea // staff: ideas merged into this one
	CanEdit        bool
	Statuses       []string

	// EarlierURL and LaterURL page the discussion ("" when there is no
	// such page).
	EarlierURL, LaterURL string
	// Comments counts the idea's comments (not deleted) the viewer sees on
	// all pages, and NotPublic those among them members don't (hidden,
	// pending, staff notes; up to models.CountCap), so the heading matches
	// the rows below it.
	Comments, NotPublic int
	// Moderators: the categories for the edit form and the earliest end of
	// a ban the date picker offers.
	Categories []models.Category
	MinUntil   string
	StaffEdit  staffEditForm // the edit form's values: the idea's, or those just refused
	CRM        *crmPanel     // product managers: the Demand panel
	// Backlog: items (shown to product managers), the status lock (staff)
	// and the category everyone sees; Providers are those to promote to.
	Backlog   *models.IdeaBacklogState
	Providers []string
	ideaExtras
}

// ideaExtras carries a form to show again after an error.
type ideaExtras struct {
	Comment      commentForm
	Fields       map[string]string
	CommentError string
	Status       statusInput
	StatusFields map[string]string
	Mod          modExtras
	// The promote form (backlog panel) shown again with its errors.
	Promote       promoteInput
	PromoteFields map[string]string
}

// ThreadCap is the most comments a page of the discussion shows.
func (ideaView) ThreadCap() int { return models.ThreadPageCap }

// threadQuery is which page of the discussion the idea page's query asks
// for: ?after= and ?before= (the Later and Earlier links) or ?comment= (a
// link to one comment). A value that is none of these is the first page.
func threadQuery(c echo.Context) models.ThreadQuery {
	q := models.ThreadQuery{After: c.QueryParam("after"), Before: c.QueryParam("before")}
	q.Comment, _ = strconv.ParseInt(c.QueryParam("comment"), 10, 64)
	return q
}

// threadPageURL is the idea page at the discussion's page after (or
// before) cursor.
func threadPageURL(idea *models.Idea, key, cursor string) string {
	if cursor == "" {
		return ""
	}
	return idea.URL() + "?" + url.Values{key: {cursor}}.Encode() + "#comments"
}

// commentForm is the input of POST /ideas/:id/comments.
type commentForm struct {
	Body      string `form:"body"`
	ParentID  int64  `form:"parent_id"`
	StaffOnly bool   `form:"staff_only"`
}

// showIdea renders an idea with its discussion. Wrong or missing slugs
// redirect (301) to the canonical URL. A merged idea redirects to its target
// temporarily and uncached (302, no-store): unmerge brings its page back, and
// a browser that cached a 301 would never ask again.
//
// Anonymous visitors share the page rendered at most a moment ago (see
// pageCache; ideaPages holds at most 32 of them): only their CSRF token
// differs. Only a 200 is shared, so a
// redirect is worked out, and answered, by each request that needs it.
func (h *Handler) showIdea(c echo.Context) error {
	if currentUser(c) == nil && c.Request().Method == http.MethodGet {
		redirected := false
		sp, ok, err := h.ideaPages.page(c.Request().URL.RequestURI(), func(nonce string) (*sharedPage, error) {
			idea, err := h.canonicalIdea(c)
			if err != nil {
				return nil, err
			}
			if idea == nil {
				// Answered with a redirect: not a page to share.
				redirected = true
				return &sharedPage{status: http.StatusMovedPermanently}, nil
			}
			p, err := h.ideaPage(c, idea, ideaExtras{}, nonce)
			if err != nil {
				return nil, err
			}
			body, err := h.renderBytes(c, "idea", p)
			if err != nil {
				return nil, err
			}
			return &sharedPage{body: body, status: http.StatusOK}, nil
		})
		if ok {
			if err != nil || redirected {
				return err
			}
			return h.ideaPages.send(c, sp.status, csrfToken(c), sp.body)
		}
	}
	idea, err := h.canonicalIdea(c)
	if err != nil || idea == nil {
		return err
	}
	return h.ideaPageWith(c, http.StatusOK, idea, ideaExtras{})
}

// canonicalIdea returns the route's idea when its URL is the canonical one;
// otherwise it answers c with the redirect and returns nil.
func (h *Handler) canonicalIdea(c echo.Context) (*models.Idea, error) {
	idea, err := h.routeIdea(c)
	if err != nil {
		return nil, err
	}
	if idea.MergedIntoID != nil {
		target, err := models.IdeaByID(c.Request().Context(), h.db, currentUser(c), *idea.MergedIntoID)
		if err == nil {
			c.Response().Header().Set("Cache-Control", "no-store")
			return nil, c.Redirect(http.StatusFound, target.URL())
		}
	}
	if c.Param("slug") != idea.Slug() {
		// The query (e.g. ?notice= after a form) survives the redirect.
		u := idea.URL()
		if q := c.Request().URL.RawQuery; q != "" {
			u += "?" + q
		}
		return nil, c.Redirect(http.StatusMovedPermanently, u)
	}
	return idea, nil
}

// ideaPageAgain shows the route's idea again with a form that needs fixing.
func (h *Handler) ideaPageAgain(c echo.Context, status int, x ideaExtras) error {
	idea, err := h.routeIdea(c)
	if err != nil {
		return err
	}
	return h.ideaPageWith(c, status, idea, x)
}

func (h *Handler) ideaPageWith(c echo.Context, status int, idea *models.Idea, x ideaExtras) error {
	p, err := h.ideaPage(c, idea, x, csrfToken(c))
	if err != nil {
		return err
	}
	return h.render(c, status, "idea", p)
}

// ideaPage gathers everything idea.html shows of idea to c's viewer, with
// csrf as the page's token.
func (h *Handler) ideaPage(c echo.Context, idea *models.Idea, x ideaExtras, csrf string) (page, error) {
	ctx := c.Request().Context()
	viewer := currentUser(c)
	v := ideaView{Idea: idea, CanEdit: idea.EditableBy(viewer), ideaExtras: x}
	var err error
	if v.Thread, err = models.ThreadPageOf(ctx, h.db, viewer, idea.ID, threadQuery(c)); err != nil {
		return page{}, err
	}
	v.EarlierURL, v.LaterURL = threadPageURL(idea, "before", v.Thread.Earlier), threadPageURL(idea, "after", v.Thread.Later)
	if v.NotPublic, err = models.NotPublicComments(ctx, h.db, viewer, idea.ID); err != nil {
		return page{}, err
	}
	v.Comments = idea.CommentCount + v.NotPublic
	if v.History, err = models.StatusHistory(ctx, h.db, idea.ID); err != nil {
		return page{}, err
	}
	if viewer.IsStaff() {
		v.Statuses = models.Statuses[:len(models.Statuses)-1]
		if v.Merged, err = models.MergedSources(ctx, h.db, idea.ID); err != nil {
			return page{}, err
		}
	}
	if viewer.HasRole(models.RoleModerator) {
		if v.Categories, err = models.Categories(ctx, h.db); err != nil {
			return page{}, err
		}
		v.MinUntil = time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
		v.StaffEdit = staffEditForm{Title: idea.Title, Category: idea.Category, Tags: strings.Join(idea.Tags, ", ")}
		if x.Mod.Form == "edit" {
			v.StaffEdit = x.Mod.Edit
		}
	}
	if v.Backlog, err = models.BacklogStateOf(ctx, h.db, idea.ID); err != nil {
		return page{}, err
	}
	v.Providers = h.opts.Trackers.Available()
	if viewer.HasRole(models.RoleProductManager) {
		if v.CRM, err = h.crmPanel(ctx, idea); err != nil {
			return page{}, err
		}
	}
	var ready bool
	if v.Similar, ready, err = h.similar.get(ctx, h.db, idea, h.opts.SimilarWait); err != nil {
		return page{}, err
	}
	v.SimilarPending = !ready
	if v.Status.Status == "" {
		v.Status.Status = idea.Status
	}
	t := &threadView{CSRF: csrf, Staff: viewer.IsStaff(), Mod: viewer.HasRole(models.RoleModerator),
		MinUntil: v.MinUntil, Fields: x.Fields, ModForm: x.Mod}
	if viewer != nil {
		t.SignedIn, t.UserID = true, viewer.ID
	}
	t.Open = !idea.CommentsLocked || t.Staff
	v.Rows = commentRows(v.Thread.Roots, t, viewer)
	v.Flag = newFlagView("idea", idea.ID, csrf, x.Fields)
	p := h.page(c, idea.Title, v)
	p.CSRF = csrf
	return p, nil
}
