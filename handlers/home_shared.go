package handlers

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// sharedPage is a page rendered once for everyone asking within the
// pageCache's TTL: the body as an anonymous visitor sees it, with the
// cache's nonce where the CSRF token goes, and where a signed-in member's
// copy differs from it: the header (name, bell, staff links, sign-out
// form) and each idea row's vote box (their own marks). The rows
// themselves — which ideas, their counts and text — are the same for every
// viewer of a plain list, so a member's home page costs two indexed
// queries (session, marks) and no list query or template run over the rows.
type sharedPage struct {
	body   []byte
	status int
	// members is true when header and rows were found in body, so a
	// member's copy can be made from it.
	members bool
	header  span
	rows    []voteSlot
}

// span is [start, end) in a sharedPage's body.
type span struct{ start, end int }

// voteSlot is where one row's vote box reads "not voted" in the body, and
// the bytes that replace that span when the viewer has voted.
type voteSlot struct {
	idea  int64
	at    span
	voted []byte
}

// sharedHome serves the home page from the shared page when the viewer may
// have it: anonymous visitors, and members whose list is everyone's list
// (no CRM filters and tabs, no search text, whose scope includes the
// viewer's own unlisted ideas). ok is false when c must render its own.
// The body comes in parts that still carry the cache's nonce where the
// token goes: they are sent with anonPages.send.
func (h *Handler) sharedHome(c echo.Context) (parts [][]byte, status int, ok bool, err error) {
	viewer := currentUser(c)
	if viewer != nil && (models.SeesCRM(viewer) || strings.TrimSpace(c.QueryParam("q")) != "") {
		return nil, 0, false, nil
	}
	sp, ok, err := h.anonPages.page(c.Request().URL.RequestURI(), func(nonce string) (*sharedPage, error) {
		return h.renderSharedHome(c, nonce)
	})
	if !ok {
		return nil, 0, false, nil // a waiter whose leader failed renders its own
	}
	if err != nil {
		return nil, 0, true, err
	}
	if viewer == nil {
		return [][]byte{sp.body}, sp.status, true, nil
	}
	if !sp.members || sp.status != http.StatusOK {
		return nil, 0, false, nil
	}
	parts, err = h.memberCopy(c, viewer, sp)
	if err != nil {
		return nil, 0, true, err
	}
	return parts, http.StatusOK, true, nil
}

// renderSharedHome renders the home page as an anonymous visitor sees it,
// with nonce as its token, and finds in it what a member's copy replaces:
// the header and each row's vote box, by rendering those partials again
// (as the page did, and voted) and locating them in order. When one is not
// found the page still serves anonymous visitors; members render their own.
func (h *Handler) renderSharedHome(c echo.Context, nonce string) (*sharedPage, error) {
	p, status, err := h.homeView(c, nil, nonce)
	if err != nil {
		return nil, err
	}
	body, err := h.renderBytes(c, "home", p)
	if err != nil {
		return nil, err
	}
	sp := &sharedPage{body: body, status: status}
	v, _ := p.Data.(homeView)
	t := h.views.pages["home"]
	p.Path = c.Request().URL.Path
	var plain, voted bytes.Buffer
	if err := t.ExecuteTemplate(&plain, "header", p); err != nil {
		return nil, err
	}
	at := bytes.Index(body, plain.Bytes())
	if at < 0 {
		return sp, nil
	}
	sp.header = span{at, at + plain.Len()}
	at = sp.header.end
	for _, row := range v.Rows {
		idea := *row.Idea
		idea.Voted = true
		votedRow := row
		votedRow.Idea = &idea
		plain.Reset()
		voted.Reset()
		if err := t.ExecuteTemplate(&plain, "idea_row", row); err != nil {
			return nil, err
		}
		if err := t.ExecuteTemplate(&voted, "idea_row", votedRow); err != nil {
			return nil, err
		}
		i := bytes.Index(body[at:], plain.Bytes())
		if i < 0 {
			return sp, nil
		}
		start, end := at+i, at+i+plain.Len()
		// Keep only what differs: the vote box's class, form value and
		// button state, not the whole row.
		a, b := plain.Bytes(), voted.Bytes()
		pre := commonPrefix(a, b)
		suf := commonSuffix(a[pre:], b[pre:])
		sp.rows = append(sp.rows, voteSlot{idea: row.Idea.ID, at: span{start + pre, end - suf},
			voted: bytes.Clone(b[pre : len(b)-suf])})
		at = end
	}
	sp.members = true
	return sp, nil
}

// memberCopy is the shared page as viewer sees it, as the parts of its
// body in order: their header and their vote marks (from one query for the
// ideas on the page) between slices of the shared body, which is not
// copied. It still carries the nonce where the CSRF token goes.
func (h *Handler) memberCopy(c echo.Context, viewer *models.User, sp *sharedPage) ([][]byte, error) {
	ctx := c.Request().Context()
	ids := make([]int64, len(sp.rows))
	for i, r := range sp.rows {
		ids[i] = r.idea
	}
	voted, err := models.VotedAmong(ctx, h.db, viewer.ID, ids)
	if err != nil {
		return nil, err
	}
	p := h.pageFor(c, viewer, "Ideas", nil)
	p.CSRF = string(h.anonPages.nonce)
	p.Path = c.Request().URL.Path
	var header bytes.Buffer
	if err := h.views.pages["home"].ExecuteTemplate(&header, "header", p); err != nil {
		return nil, err
	}
	parts := [][]byte{sp.body[:sp.header.start], header.Bytes()}
	pos := sp.header.end
	for _, r := range sp.rows {
		if voted[r.idea] {
			parts = append(parts, sp.body[pos:r.at.start], r.voted)
			pos = r.at.end
		}
	}
	return append(parts, sp.body[pos:]), nil
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func commonSuffix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}
