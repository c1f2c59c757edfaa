package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// queuePerPage is the moderation queue's page size.
const queuePerPage = 25

// moderationForm is the input of the bulk action form on /staff/moderation
// and of each row's own form (Row names that row; its item is in Items).
// All, the "select all" box, adds every item the page showed (Shown), so it
// works without JavaScript and never reaches an item the moderator did not
// see.
type moderationForm struct {
	Action    string   `form:"action"`
	Items     []string `form:"item"`
	All       bool     `form:"all"`
	Shown     []string `form:"shown"`
	Row       string   `form:"row"`
	Reason    string   `form:"reason"`
	AlsoHide  bool     `form:"also_hide"`
	Until     string   `form:"until"`
	Permanent bool     `form:"permanent"`
	Show      string   `form:"show"`
	Page      int      `form:"page"`
}

// input turns the form into the model's input, with field errors for what
// cannot even be parsed.
func (f moderationForm) input() (models.ModerationInput, error) {
	in := models.ModerationInput{Action: f.Action, Reason: f.Reason, AlsoHideAuthor: f.AlsoHide, Permanent: f.Permanent}
	v := &models.ValidationError{}
	seen := map[models.ItemRef]bool{}
	for _, s := range f.selected() {
		ref, ok := models.ParseItemRef(s)
		if !ok {
			v.Add("items", "The selection did not come from this page; please reload it.")
			continue
		}
		if !seen[ref] {
			seen[ref] = true
			in.Items = append(in.Items, ref)
		}
	}
	if f.Action == models.ActBan && strings.TrimSpace(f.Until) != "" {
		t, ok := parseUntil(f.Until)
		if !ok {
			v.Add("until", "Enter the date the ban ends.")
		}
		in.Until = t
	}
	return in, v.Err()
}

// selected is what the form acts on: the checked items, plus every shown
// one when "select all" is on.
func (f moderationForm) selected() []string {
	if !f.All {
		return f.Items
	}
	return append(append([]string{}, f.Items...), f.Shown...)
}

// parseUntil reads when a ban ends: an RFC 3339 time, a datetime-local
// value or a date (its midnight, UTC).
func parseUntil(s string) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return &t, true
		}
	}
	return nil, false
}

// moderationView is what staff_moderation.html receives.
type moderationView struct {
	Show     string
	Filters  []string
	Queue    *models.QueuePage
	Pager    pager
	Actions  []string
	Form     moderationForm
	Selected map[string]bool
	Fields   map[string]string
	Done     string
	MinUntil string // the earliest ban end the date picker offers
}

// doneMessages confirm a bulk action after the redirect; the query carries
// only the action name and a count, never text.
var doneMessages = map[string]string{
	models.ActApprove: "Approved",
	models.ActHide:    "Hidden",
	models.ActRestore: "Restored",
	models.ActSpam:    "Marked as spam",
	models.ActBan:     "Banned the authors of",
}

func (h *Handler) moderationPage(c echo.Context, status int, show string, pageNo int, v moderationView) error {
	if pageNo < 1 {
		pageNo = 1
	}
	q, err := models.ModerationQueue(c.Request().Context(), h.db, currentUser(c), show, models.NewPage(pageNo, queuePerPage))
	if err != nil {
		return err
	}
	if show == "" {
		show = models.QueueAll
	}
	v.Show, v.Filters, v.Queue, v.Actions = show, models.QueueFilters, q, models.ModerationActions
	v.Pager = newPager("/staff/moderation", url.Values{"show": {showParam(show)}}, q.Page)
	v.MinUntil = time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	if status == http.StatusOK {
		status = listStatus(q.Page)
	}
	if v.Selected == nil {
		v.Selected = map[string]bool{}
	}
	return h.render(c, status, "staff_moderation", h.page(c, "Moderation", v))
}

// showParam leaves the default filter out of URLs.
func showParam(show string) string {
	if show == models.QueueAll {
		return ""
	}
	return show
}

// moderationQueue shows pending and flagged items with bulk actions.
func (h *Handler) moderationQueue(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	v := moderationView{}
	if msg, ok := doneMessages[c.QueryParam("done")]; ok {
		n, _ := strconv.Atoi(c.QueryParam("n"))
		v.Done = msg + " " + plural(n, "item") + "."
	}
	show := c.QueryParam("show")
	if !slices.Contains(models.QueueFilters, show) {
		show = "" // an unknown tab is the default one, as on the home page
	}
	return h.moderationPage(c, http.StatusOK, show, page, v)
}

// moderationAction applies one action to the checked items, then returns to
// the same queue page (303); invalid input re-renders it with the selection
// kept (422).
func (h *Handler) moderationAction(c echo.Context) error {
	var f moderationForm
	if err := c.Bind(&f); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	in, err := f.input()
	if err == nil {
		_, err = models.Moderate(c.Request().Context(), h.db, currentUser(c), in)
	}
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		sel := map[string]bool{}
		if f.Row == "" {
			for _, s := range f.selected() {
				sel[s] = true
			}
		}
		return h.moderationPage(c, http.StatusUnprocessableEntity, f.Show, f.Page, moderationView{Form: f, Fields: ve.Fields, Selected: sel})
	}
	if err != nil {
		return err
	}
	q := url.Values{"done": {f.Action}, "n": {strconv.Itoa(len(in.Items))}}
	if s := showParam(f.Show); s != "" {
		q.Set("show", s)
	}
	if f.Page > 1 {
		q.Set("page", strconv.Itoa(f.Page))
	}
	return c.Redirect(http.StatusSeeOther, "/staff/moderation?"+q.Encode())
}
