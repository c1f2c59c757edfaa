package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// signinView is what signin.html receives.
type signinView struct {
	Providers []ProviderConfig
	Next      string
	DevLogin  bool
	Error     string
	Dev       devForm
	Fields    map[string]string
	VoteFor   *models.Idea // a vote waiting for this sign-in (vote_intent.go)
}

func (h *Handler) signinPage(c echo.Context, status int, v signinView) error {
	v.Providers = h.opts.Providers
	v.DevLogin = h.opts.DevLogin
	v.VoteFor = h.pendingVote(c)
	return h.render(c, status, "signin", h.page(c, "Sign in", v))
}

// signin shows one button per configured provider (and dev sign-in).
func (h *Handler) signin(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if currentUser(c) != nil {
		return c.Redirect(http.StatusFound, next)
	}
	return h.signinPage(c, http.StatusOK, signinView{Next: next})
}

// authStart begins an OAuth attempt with a fresh random state that is stored
// server-side and bound to this browser by a cookie.
func (h *Handler) authStart(c echo.Context) error {
	name := c.Param("provider") // from the route, never the query
	p, err := h.providers.get(name)
	if err != nil {
		return err
	}
	a := models.AuthState{Provider: name, NextPath: safeNext(c.QueryParam("next"))}
	if u := currentUser(c); u != nil && c.QueryParam("link") == "1" {
		a.LinkUserID = &u.ID
		a.NextPath = "/settings"
	}
	state, browser := models.NewToken(), models.NewToken()
	sess, err := p.BeginAuth(state)
	if err != nil {
		return err
	}
	authURL, err := sess.GetAuthURL()
	if err != nil {
		return err
	}
	if usesPKCE(name) {
		a.CodeVerifier = models.NewToken()
		sum := sha256.Sum256([]byte(a.CodeVerifier))
		u, err := url.Parse(authURL)
		if err != nil {
			return err
		}
		q := u.Query()
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
		q.Set("code_challenge_method", "S256")
		u.RawQuery = q.Encode()
		authURL = u.String()
	}
	if usesNonce(name) {
		a.Nonce = models.NewToken()
		if authURL, err = withQuery(authURL, "nonce", a.Nonce); err != nil {
			return err
		}
	}
	a.ProviderData = sess.Marshal()
	if err := models.CreateAuthState(c.Request().Context(), h.db, a, state, browser); err != nil {
		return err
	}
	// SameSite=None on https: Apple returns with a cross-site POST.
	sameSite := http.SameSiteLaxMode
	if h.https() {
		sameSite = http.SameSiteNoneMode
	}
	h.setCookie(c, "auth", state+"."+browser, int(models.AuthStateTTL.Seconds()), sameSite)
	return c.Redirect(http.StatusFound, authURL)
}

var errSignInFailed = &models.Problem{Kind: models.ErrBadRequest, Message: "Sign-in with that provider did not complete. Please try again."}

// authCallback finishes an attempt: the state must be one we issued, unused,
// unexpired and started in this very browser.
func (h *Handler) authCallback(c echo.Context) error {
	name := c.Param("provider")
	p, err := h.providers.get(name)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cookieState, browser := "", ""
	if ck, err := c.Cookie(h.cookieName("auth")); err == nil {
		cookieState, browser, _ = strings.Cut(ck.Value, ".")
	}
	h.setCookie(c, "auth", "", -1, http.SameSiteLaxMode)
	state := cookieState
	if usesState(name) {
		state = c.FormValue("state") // query string or Apple's form post
		if statesDiffer(state, cookieState) {
			state = "" // a state from someone else's attempt
		}
	}
	a, err := models.ConsumeAuthState(ctx, h.db, state, browser, name)
	if err != nil {
		return err
	}
	if c.FormValue("error") != "" {
		return &models.Problem{Kind: models.ErrBadRequest, Message: "Sign-in was cancelled at the provider."}
	}
	sess, err := p.UnmarshalSession(a.ProviderData)
	if err != nil {
		return err
	}
	// Only the provider's answer goes to the token exchange, never other
	// request parameters (goth would forward a redirect_uri, for one).
	params := url.Values{}
	for _, k := range []string{"code", "oauth_token", "oauth_verifier"} {
		if v := c.FormValue(k); v != "" {
			params.Set(k, v)
		}
	}
	if a.CodeVerifier != "" {
		params.Set("code_verifier", a.CodeVerifier)
	}
	if _, err := sess.Authorize(p, params); err != nil {
		h.log.WarnContext(ctx, "oauth code exchange failed", "provider", name, "error", err.Error())
		return errSignInFailed
	}
	gu, err := p.FetchUser(sess)
	if err != nil {
		h.log.WarnContext(ctx, "oauth profile fetch failed", "provider", name, "error", err.Error())
		return errSignInFailed
	}
	if a.Nonce != "" && !idTokenNonceIs(gu.IDToken, a.Nonce) {
		h.log.WarnContext(ctx, "oidc id token nonce mismatch", "provider", name)
		return errSignInFailed
	}
	profile := profileOf(name, gu)

	if a.LinkUserID != nil {
		// The attempt was started by this signed-in user and is bound to this
		// browser. Apple returns by cross-site POST, which carries no Lax
		// session cookie, so the stored user id is what counts here.
		if u := currentUser(c); u != nil && u.ID != *a.LinkUserID {
			return errSignInFailed
		}
		if err := models.LinkIdentity(ctx, h.db, *a.LinkUserID, profile); err != nil {
			return err
		}
		return c.Redirect(http.StatusFound, "/settings?notice=linked")
	}
	profile.ClientIP = c.RealIP()
	user, err := models.SignIn(ctx, h.db, profile, h.opts.AdminEmails)
	if errors.Is(err, models.ErrEmailTaken) {
		return h.signinPage(c, http.StatusConflict, signinView{Next: a.NextPath, Error: models.ErrEmailTaken.Message})
	}
	var rl *models.RateLimitError
	if errors.As(err, &rl) {
		return h.signinRefused(c, signinView{Next: a.NextPath}, rl)
	}
	if err != nil {
		return err
	}
	if err := h.startSession(c, user); err != nil {
		return err
	}
	return h.afterSignIn(c, http.StatusFound, safeNext(a.NextPath))
}

// signinRefused shows the sign-in page again with a limit's message, as a
// 429 with Retry-After (too many new accounts from one network).
func (h *Handler) signinRefused(c echo.Context, v signinView, rl *models.RateLimitError) error {
	c.Response().Header().Set("Retry-After", retryAfter(rl))
	v.Error = rl.Message
	return h.signinPage(c, http.StatusTooManyRequests, v)
}

func statesDiffer(a, b string) bool {
	return a == "" || b == "" || a != b
}

// signout deletes the server-side session: a copied cookie dies with it.
func (h *Handler) signout(c echo.Context) error {
	if err := h.endSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}
