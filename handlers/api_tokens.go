package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// keyAPIToken holds the *models.APIToken of a bearer request.
const keyAPIToken = "api_token"

// bearer authenticates `Authorization: Bearer cw_…` under /api/ as the
// token's owner. Such a request carries no cookie authority: with a session
// cookie too it is refused (400), and the CSRF check does not apply to it.
func (h *Handler) bearer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		if !isAPI(c) || !strings.EqualFold(scheme, "Bearer") {
			return next(c)
		}
		if ck, err := c.Cookie(h.cookieName("session")); err == nil && ck.Value != "" {
			return &models.Problem{Kind: models.ErrBadRequest,
				Message: "Send either a bearer token or a session cookie, not both."}
		}
		user, t, err := models.TokenUser(c.Request().Context(), h.db, strings.TrimSpace(token), c.RealIP())
		if errors.Is(err, models.ErrUnauthorized) {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="crowdwise", error="invalid_token"`)
			return &models.Problem{Kind: models.ErrUnauthorized,
				Message: "This API token is not valid: it is wrong, revoked or expired."}
		}
		if err != nil {
			return err
		}
		c.Set(keyUser, user)
		c.Set(keyAPIToken, t)
		return next(c)
	}
}

// currentAPIToken is the token of a bearer request, or nil.
func currentAPIToken(c echo.Context) *models.APIToken {
	t, _ := c.Get(keyAPIToken).(*models.APIToken)
	return t
}

// scope refuses a bearer request whose token lacks what the route group
// needs: staff routes need staff; other routes need write, or read for
// GET, HEAD and OPTIONS. Requests without a token pass.
func (h *Handler) scope(need string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			t := currentAPIToken(c)
			if t == nil {
				return next(c)
			}
			want := need
			if want == models.ScopeWrite && safeMethod(c.Request().Method) {
				want = models.ScopeRead
			}
			if !t.Has(want) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="crowdwise", error="insufficient_scope", scope="`+want+`"`)
				return models.Forbidden("This token does not have the " + strconv.Quote(want) + " scope.")
			}
			return next(c)
		}
	}
}

// sessionOnly refuses bearer requests: a token cannot mint or manage tokens.
func (h *Handler) sessionOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentAPIToken(c) != nil {
			return models.Forbidden("Tokens are managed from a signed-in session, not with a token.")
		}
		return next(c)
	}
}

// apiToken is a token in JSON; Token is set only in the response that
// creates it.
type apiToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	ExpiresAt  *time.Time `json:"expires_at"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	LastUsedIP *string    `json:"last_used_ip"`
	State      string     `json:"state"`
	Token      string     `json:"token,omitempty"`
}

func toAPIToken(t *models.APIToken, secret string) apiToken {
	scopes := []string(t.Scopes)
	if scopes == nil {
		scopes = []string{}
	}
	return apiToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Scopes: scopes, ExpiresAt: t.ExpiresAt,
		CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, LastUsedIP: t.LastUsedIP, State: t.State(), Token: secret}
}

func (h *Handler) apiListTokens(c echo.Context) error {
	p, err := bindAPIPage(c, models.TokensPerPage)
	if err != nil {
		return err
	}
	list, err := models.APITokensOf(c.Request().Context(), h.db, currentUser(c).ID, p)
	if err != nil {
		return err
	}
	out := make([]apiToken, len(list.Tokens))
	for i := range list.Tokens {
		out[i] = toAPIToken(&list.Tokens[i], "")
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": out, "page": list.Page.Number, "per_page": list.Page.PerPage, "total": list.Page.Total})
}

// tokenJSON is the input of POST /api/v1/me/tokens.
type tokenJSON struct {
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (h *Handler) apiCreateToken(c echo.Context) error {
	var in tokenJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	t, secret, err := models.CreateAPIToken(c.Request().Context(), h.db, currentUser(c),
		models.TokenInput{Name: in.Name, Scopes: in.Scopes, ExpiresAt: in.ExpiresAt})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, toAPIToken(t, secret))
}

func (h *Handler) apiRevokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.NotFound("No such token.")
	}
	if err := models.RevokeAPIToken(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
