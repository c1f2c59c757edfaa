package handlers

import (
	"html/template"
	"strconv"

	"github.com/crowdwise/crowdwise/models"
)

// threadView is what every comment of a thread shares: the viewer and any
// form shown again after an error, worked out once per page.
type threadView struct {
	CSRF     string
	SignedIn bool
	UserID   int64
	Staff    bool // sees moderation states and their reasons
	Mod      bool // moderator: restore, hide and ban forms
	Open     bool // may reply: the discussion is not locked, or staff
	MinUntil string
	Fields   map[string]string // a rejected flag's errors
	ModForm  modExtras         // a rejected hide or ban
}

// commentRow is one comment with everything the comment partial shows
// worked out once in Go, so the template prints fields instead of calling
// helpers and methods through reflection for every comment of a long thread.
type commentRow struct {
	C       *models.Comment
	T       *threadView
	Replies []commentRow
	Ago     string
	// HTML is the body bluemonday produced when it was saved (body_html,
	// as the sanitized view func marks it); empty when deleted.
	HTML    template.HTML
	Team    bool // the author is staff now: the Team badge
	Hidden  bool // moderated away (not visible) and not deleted
	Pending bool
	Own     bool // the viewer wrote it
	Actions bool // signed in and not deleted: reply, flag and the rest
	CanEdit bool
	CanHide bool
	CanBan  bool
	// HideFailed and BanFailed: that form was refused and shows again.
	HideFailed, BanFailed bool
	Flag                  flagView
}

// flagView is what the flag partial shows for one idea or comment.
type flagView struct {
	Type, CSRF string
	ID         int64
	Fields     map[string]string
	Key        string // "comment-12", for the form's element ids
	Mine       bool   // the rejected flag was this one: open, with its errors
}

func newFlagView(typ string, id int64, csrf string, fields map[string]string) flagView {
	target := typ + ":" + strconv.FormatInt(id, 10)
	return flagView{Type: typ, ID: id, CSRF: csrf, Fields: fields, Key: typ + "-" + strconv.FormatInt(id, 10),
		Mine: fields != nil && fields["flag_target"] == target}
}

// commentRows builds the rows of a thread for t's viewer.
func commentRows(thread []*models.Comment, t *threadView, viewer *models.User) []commentRow {
	if len(thread) == 0 {
		return nil
	}
	rows := make([]commentRow, len(thread))
	for i, c := range thread {
		r := commentRow{C: c, T: t, Ago: ago(c.CreatedAt), HTML: template.HTML(c.BodyHTML), Team: c.ByTeam(),
			Replies: commentRows(c.Replies, t, viewer)}
		r.Hidden = c.Moderation != models.ModVisible && !c.Deleted()
		r.Pending = c.Moderation == "pending"
		r.Own = t.SignedIn && c.AuthorID == t.UserID
		if t.SignedIn && !c.Deleted() {
			r.Actions = true
			r.CanEdit = t.Open && c.EditableBy(viewer)
			r.CanHide = t.Mod && c.Moderation == models.ModVisible
			r.CanBan = t.Mod && !r.Own && !r.Team
			r.HideFailed = r.CanHide && t.ModForm.For("hide", "comment", c.ID)
			r.BanFailed = r.CanBan && t.ModForm.For("ban", "comment", c.ID)
			if !r.Own {
				r.Flag = newFlagView("comment", c.ID, t.CSRF, t.Fields)
			}
		}
		rows[i] = r
	}
	return rows
}
