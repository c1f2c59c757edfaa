package handlers

import (
	"github.com/labstack/echo/v4"
)

// errorPage builds the page for an error so that a signed-in person stays
// signed in on it: their name, bell and sign-out form. Errors raised before
// routing (the body limit) never reached the session middleware, and
// unmatched routes skip the CSRF one, so both are made up for here.
func (h *Handler) errorPage(c echo.Context, title string, data any) page {
	if currentUser(c) == nil && !isAPI(c) {
		// A failure here (the database is down) leaves the page anonymous.
		_ = h.sessions(func(echo.Context) error { return nil })(c)
	}
	p := h.page(c, title, data)
	p.Notice = "" // a ?notice= meant for the page that failed
	if p.CSRF == "" && p.User != nil {
		h.bindCSRF(c) // the token bound to this session
		p.CSRF = csrfToken(c)
	}
	return p
}
