package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// voteIntentCookie holds the token of a visitor's pending vote.
const voteIntentCookie = "vote_intent"

// voteAfterSignIn keeps a visitor's click on "vote" through the sign-in it
// needs. It runs on POST /ideas/:id/vote before requireUser, so the CSRF
// check has passed: only a page of ours can start this. The intent is kept
// server-side under a random token in this browser's cookie, and only a
// sign-in completed in this browser casts it (afterSignIn) — never a GET,
// and never a request another site can make.
func (h *Handler) voteAfterSignIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		var f toggleForm
		if err := c.Bind(&f); err != nil || !f.On {
			return next(c) // requireUser sends them to sign in
		}
		id, err := ideaID(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		if err := models.CheckIPAction(ctx, h.db, c.RealIP()); err != nil {
			return err
		}
		token, idea, err := models.CreateVoteIntent(ctx, h.db, id)
		if err != nil {
			return err
		}
		// SameSite=None on https, like the auth cookie: Apple returns by a
		// cross-site POST, which must still find the intent.
		sameSite := http.SameSiteLaxMode
		if h.https() {
			sameSite = http.SameSiteNoneMode
		}
		h.setCookie(c, voteIntentCookie, token, int(models.VoteIntentTTL.Seconds()), sameSite)
		return c.Redirect(http.StatusSeeOther, "/signin?next="+url.QueryEscape(idea.URL()))
	}
}

// pendingVote is the idea this browser's visitor clicked "vote" on before
// signing in, or nil.
func (h *Handler) pendingVote(c echo.Context) *models.Idea {
	ck, err := c.Cookie(h.cookieName(voteIntentCookie))
	if err != nil {
		return nil
	}
	idea, err := models.PendingVoteIntent(c.Request().Context(), h.db, ck.Value)
	if err != nil {
		h.log.WarnContext(c.Request().Context(), "could not read a pending vote", "error", err)
	}
	return idea
}

// afterSignIn ends every successful sign-in (provider callback and dev
// sign-in): a vote clicked before signing in is cast now, once, and the
// person lands on its idea with a notice; otherwise they go to next.
func (h *Handler) afterSignIn(c echo.Context, status int, next string) error {
	ck, err := c.Cookie(h.cookieName(voteIntentCookie))
	if err != nil || ck.Value == "" {
		return c.Redirect(status, next)
	}
	h.setCookie(c, voteIntentCookie, "", -1, http.SameSiteLaxMode)
	ctx := c.Request().Context()
	idea, err := models.CastVoteIntent(ctx, h.db, currentUser(c), ck.Value)
	notice := "voted"
	switch {
	case idea == nil && err == nil:
		return c.Redirect(status, next) // expired, or already used
	case errors.Is(err, models.ErrConflict):
		notice = "vote-closed"
	case err != nil:
		// The sign-in itself worked; the vote's failure is a notice, not
		// an error page.
		var pr *models.Problem
		var rl *models.RateLimitError
		if !errors.As(err, &pr) && !errors.As(err, &rl) {
			h.log.ErrorContext(ctx, "could not cast a vote after sign-in", "error", err.Error())
		}
		notice = "vote-failed"
	}
	if idea != nil {
		next = idea.URL()
	}
	return c.Redirect(status, withNotice(next, notice))
}

// withNotice adds ?notice=key to a local path.
func withNotice(path, key string) string {
	if strings.Contains(path, "?") {
		return path + "&notice=" + key
	}
	return path + "?notice=" + key
}
