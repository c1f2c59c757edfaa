package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// notificationsPerPage is the length of one page of the bell's list.
const notificationsPerPage = 20

// notificationsView is what notifications.html receives.
type notificationsView struct {
	List  *models.NotificationPage
	Pager pager
}

func (h *Handler) notifications(c echo.Context) error {
	p := models.NewPage(pageFromQuery(c, notificationsPerPage).Number, notificationsPerPage)
	list, err := models.NotificationsOf(c.Request().Context(), h.db, currentUser(c).ID, p)
	if err != nil {
		return err
	}
	v := notificationsView{List: list, Pager: newPager("/notifications", url.Values{}, list.Page)}
	return h.render(c, listStatus(list.Page), "notifications", h.page(c, "Notifications", v))
}

// readInput is the form of POST /notifications/read: id marks one, all=1
// marks every unread one. Page and next say where to go back to.
type readInput struct {
	ID   int64  `form:"id"`
	All  string `form:"all"`
	Page int    `form:"page"`
	Next string `form:"next"`
}

func (h *Handler) notificationsRead(c echo.Context) error {
	var in readInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	ctx, u := c.Request().Context(), currentUser(c)
	var err error
	switch {
	case in.All == "1":
		_, err = models.MarkAllRead(ctx, h.db, u.ID)
	case in.ID > 0:
		err = models.MarkRead(ctx, h.db, u.ID, in.ID)
	default:
		err = &models.Problem{Kind: models.ErrBadRequest, Message: "Choose a notification to mark as read."}
	}
	if err != nil {
		return err
	}
	back := "/notifications"
	if in.Page > 1 {
		back += "?page=" + strconv.Itoa(in.Page)
	}
	if in.Next != "" {
		back = safeNext(in.Next)
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// notifyPrefsView is the Notifications card of settings.html, reached as
// .Data.Notify on the settings page.
type notifyPrefsView struct {
	Rows     []notifyPrefRow
	Modes    []notifyModeOption
	HasEmail bool
}

type notifyPrefRow struct {
	Kind  string
	Label string
	Mode  string
	Error string
}

type notifyModeOption struct {
	Value, Label string
}

var notifyModeLabels = []notifyModeOption{
	{models.ModeImmediate, "Email at once"},
	{models.ModeDigest, "Daily digest"},
	{models.ModeOff, "In-app only"},
}

func newNotifyPrefsView(u *models.User, modes, errs map[string]string) *notifyPrefsView {
	v := &notifyPrefsView{Modes: notifyModeLabels, HasEmail: u.Email != nil && u.EmailVerified}
	for _, k := range models.NotificationKinds {
		v.Rows = append(v.Rows, notifyPrefRow{Kind: k, Label: models.KindLabel(k), Mode: modes[k], Error: errs[k]})
	}
	return v
}

// notifyPrefs is the preferences card of the settings page with the saved
// choices.
func (h *Handler) notifyPrefs(c echo.Context, u *models.User) *notifyPrefsView {
	modes, err := models.NotificationPrefsOf(c.Request().Context(), h.db, u.ID)
	if err != nil {
		h.log.WarnContext(c.Request().Context(), "could not load notification preferences", "error", err, "user_id", u.ID)
		return nil
	}
	return newNotifyPrefsView(u, modes, nil)
}

// notifyPrefsInput is the form of POST /settings/notifications: one mode
// per kind.
type notifyPrefsInput struct {
	StatusChange string `form:"status_change"`
	Reply        string `form:"reply"`
	Comment      string `form:"comment"`
	Merged       string `form:"merged"`
	Unmerged     string `form:"unmerged"`
	Hidden       string `form:"hidden"`
	Edited       string `form:"edited"`
}

func (in notifyPrefsInput) modes() map[string]string {
	return map[string]string{
		models.KindStatusChange: in.StatusChange,
		models.KindReply:        in.Reply,
		models.KindComment:      in.Comment,
		models.KindMerged:       in.Merged,
		models.KindUnmerged:     in.Unmerged,
		models.KindHidden:       in.Hidden,
		models.KindEdited:       in.Edited,
	}
}

func (h *Handler) settingsNotifications(c echo.Context) error {
	var in notifyPrefsInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
	}
	u := currentUser(c)
	err := models.SetNotificationPrefs(c.Request().Context(), h.db, u.ID, in.modes())
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return h.settingsPage(c, http.StatusUnprocessableEntity, settingsView{Notify: newNotifyPrefsView(u, in.modes(), ve.Fields)})
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/settings?notice=saved#notifications")
}

// unsubscribeView is what unsubscribe.html receives.
type unsubscribeView struct {
	Token string
	Label string
	Done  bool
}

// unsubscribeInput is the token of both unsubscribe routes: in the query
// (the List-Unsubscribe URL, which mail clients POST to as is) or in the
// confirm page's form.
type unsubscribeInput struct {
	Token string `query:"t" form:"t"`
}

// unsubscribePage asks before unsubscribing: link scanners and mail
// previews follow GET links, so only the POST changes anything.
func (h *Handler) unsubscribePage(c echo.Context) error {
	var in unsubscribeInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the link."}
	}
	_, kind, err := models.ParseUnsubscribeToken(h.opts.SessionSecret, in.Token)
	if err != nil {
		return err
	}
	v := unsubscribeView{Token: in.Token, Label: models.UnsubscribeLabel(kind)}
	return h.render(c, http.StatusOK, "unsubscribe", h.page(c, "Unsubscribe", v))
}

// unsubscribe is RFC 8058 one-click: the signed token alone authorizes it,
// no session or CSRF token (mail clients have neither).
func (h *Handler) unsubscribe(c echo.Context) error {
	var in unsubscribeInput
	if err := c.Bind(&in); err != nil {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the request."}
	}
	if in.Token == "" {
		// Echo binds the query only for GET and DELETE.
		in.Token = c.QueryParam("t")
	}
	kind, err := models.Unsubscribe(c.Request().Context(), h.db, h.opts.SessionSecret, in.Token)
	if err != nil {
		return err
	}
	v := unsubscribeView{Label: models.UnsubscribeLabel(kind), Done: true}
	return h.render(c, http.StatusOK, "unsubscribe", h.page(c, "Unsubscribed", v))
}
