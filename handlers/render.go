package handlers

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
	"github.com/crowdwise/crowdwise/views"
)

// views holds one parsed template set per page, each with the layout and
// every partial, parsed once at start.
type viewSet struct {
	pages map[string]*template.Template
}

// page is what every template receives as its dot.
type page struct {
	Title  string
	User   *models.User
	CSRF   string
	Path   string
	Data   any
	Notice string
	// Unread is the number on the header's bell (signed-in users).
	Unread int64
}

func loadViews(a *assets) (*viewSet, error) {
	funcs := viewFuncs(a)
	names, err := fs.Glob(views.FS, "*.html")
	if err != nil {
		return nil, err
	}
	v := &viewSet{pages: map[string]*template.Template{}}
	for _, name := range names {
		if name == "layout.html" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(views.FS, "layout.html", "partials/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("views: %s: %w", name, err)
		}
		v.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return v, nil
}

// page fills the parts of a page every template needs.
func (h *Handler) page(c echo.Context, title string, data any) page {
	return h.pageFor(c, currentUser(c), title, data)
}

// pageFor is page as viewer (nil: as an anonymous visitor) sees it.
func (h *Handler) pageFor(c echo.Context, viewer *models.User, title string, data any) page {
	p := page{Title: title, User: viewer, CSRF: csrfToken(c), Data: data, Notice: notices[c.QueryParam("notice")]}
	if s, _ := c.Get(keySession).(*models.Session); p.User != nil && s != nil && s.UserID == p.User.ID {
		p.Unread = s.Unread // counted with the session, at the start of this request
	} else if p.User != nil {
		// One index-only count on notifications_unread_idx. A failure
		// costs the badge, not the page.
		n, err := models.UnreadCount(c.Request().Context(), h.db, p.User.ID)
		if err != nil {
			h.log.WarnContext(c.Request().Context(), "could not count unread notifications", "error", err, "user_id", p.User.ID)
		}
		p.Unread = n
	}
	return p
}

// notices are the fixed messages a redirect may ask a page to show; the
// query carries only the key, never text, so it cannot inject anything.
var notices = map[string]string{
	"linked":       "Account linked. You can now sign in with it too.",
	"unlinked":     "Account unlinked.",
	"saved":        "Saved.",
	"signed-out":   "Signed out everywhere else.",
	"role-changed": "Role updated.",
	"unbanned":     "Ban lifted.",
	"idea-deleted": "Your idea was deleted.",
	"flagged":      "Thanks for the report. A moderator will take a look.",
	"merged":       "Merged. Votes, comments and followers moved here; the old page redirects.",
	"unmerged":     "Unmerged. The idea has its votes, comments and followers back.",
	"status":       "Status updated. Followers and voters are being notified.",
	"hidden":       "Hidden. The author sees the reason; the team still sees it.",
	"restored":     "Restored: visible to everyone again.",
	"locked":       "Comments locked. Members can no longer comment or reply here.",
	"unlocked":     "Comments unlocked.",
	"edited":       "Saved. The author is told what changed.",
	"banned":       "Banned. They are signed out and can only read until the ban ends.",
	"voted":        "You're signed in, and your vote is counted.",
	"vote-closed":  "You're signed in, but your vote was not counted: voting on this idea has closed.",
	"vote-failed":  "You're signed in, but your vote could not be counted. Please try again.",
	"revoked":      "Token revoked. It stops working at once.",
	"acct-deleted": "Account deleted. Ideas no longer count it.",
	"acct-linked":  "Account linked to this idea.",
	"link-removed": "Account unlinked from this idea.",
	"member-added": "Member linked to this account.",
	"member-gone":  "Member taken out of this account.",
	"proxy-voted":  "Vote cast on the customer's behalf.",
	"proxy-gone":   "Vote on the customer's behalf removed.",
	"sync-queued":  "Sync queued. Its progress shows in the sync log below.",

	// Webhooks and jobs (admin).
	"webhook-deleted": "Webhook deleted.",
	"webhook-queued":  "Queued: it goes out within seconds; the delivery log shows the result.",
	"job-retried":     "The job will run again shortly.",
	"job-cancelled":   "Job cancelled.",

	// Backlog.
	"promoted":         "Promoted to the backlog.",
	"unlinked-backlog": "Backlog item unlinked; the issue itself stays in the tracker.",
	"moved":            "Card moved.",
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (h *Handler) render(c echo.Context, status int, name string, p page) error {
	body, err := h.renderBytes(c, name, p)
	if err != nil {
		return err
	}
	return sendPage(c, status, body)
}

// renderBytes executes a page for c into bytes.
func (h *Handler) renderBytes(c echo.Context, name string, p page) ([]byte, error) {
	t, ok := h.views.pages[name]
	if !ok {
		return nil, fmt.Errorf("render: no view %q", name)
	}
	p.Path = c.Request().URL.Path
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// sendPage writes a rendered page; no page is cached by browsers or proxies.
func sendPage(c echo.Context, status int, body []byte) error {
	startPage(c, status)
	_, err := c.Response().Write(body)
	return err
}

// startPage writes the status and headers of an HTML page that carries a
// CSRF token (no-store: never cached).
func startPage(c echo.Context, status int) {
	res := c.Response()
	res.Header().Set("Cache-Control", "no-store")
	res.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	res.WriteHeader(status)
}
