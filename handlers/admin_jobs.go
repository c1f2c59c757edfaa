package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// jobsView is what admin_jobs.html receives.
type jobsView struct {
	List  *models.JobPage
	Lists []string
	Pager pager
}

// adminJobs lists River's jobs: ?list=queued|retrying|failed|completed.
// Our own page rather than River UI, so it sits behind the admin role,
// the session and CSRF like every other admin page.
func (h *Handler) adminJobs(c echo.Context) error {
	list, err := models.Jobs(c.Request().Context(), h.db, c.QueryParam("list"), pageFromQuery(c, models.JobsPerPage))
	if err != nil {
		return err
	}
	v := jobsView{List: list, Lists: models.JobLists}
	v.Pager = newPager("/admin/jobs", withPerPage(c, url.Values{"list": {list.List}}), list.Page)
	return h.render(c, listStatus(list.Page), "admin_jobs", h.page(c, "Jobs", v))
}

// jobBack is where a job action returns to: the list it was taken from.
type jobBack struct {
	List string `form:"list"`
}

func (h *Handler) jobAction(c echo.Context, act func(id int64) error, notice string) error {
	id, err := idParam(c, "job")
	if err != nil {
		return err
	}
	var back jobBack
	if err := c.Bind(&back); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	if err := act(id); err != nil {
		return err
	}
	q := url.Values{"notice": {notice}}
	if back.List != "" {
		q.Set("list", back.List)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/jobs?"+q.Encode())
}

func (h *Handler) adminRetryJob(c echo.Context) error {
	return h.jobAction(c, func(id int64) error {
		return models.RetryJob(c.Request().Context(), h.db, currentUser(c), id)
	}, "job-retried")
}

func (h *Handler) adminCancelJob(c echo.Context) error {
	return h.jobAction(c, func(id int64) error {
		return models.CancelJob(c.Request().Context(), h.db, currentUser(c), id)
	}, "job-cancelled")
}
