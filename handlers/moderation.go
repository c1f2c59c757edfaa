package handlers

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// The moderation API: the queue, hide and restore of ideas and comments,
// and bans. Pages live in staff_moderation.go, flags in flags.go.

// apiModerationQueue is GET /api/v1/moderation/queue?show=&page=&per_page=.
func (h *Handler) apiModerationQueue(c echo.Context) error {
	p, err := bindAPIPage(c, queuePerPage)
	if err != nil {
		return err
	}
	q, err := models.ModerationQueue(c.Request().Context(), h.db, currentUser(c), c.QueryParam("show"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": q.Items, "page": q.Page.Number, "per_page": q.Page.PerPage, "total": q.Page.Total,
		"total_capped": q.Page.Capped, "has_more": q.Page.HasNext()})
}

// hideJSON is the input of POST /api/v1/{ideas,comments}/:id/hide.
type hideJSON struct {
	Reason string `json:"reason"`
}

// apiHide hides an idea or comment; the reason is required and shown to
// the author. → 200 with the item's new state.
func (h *Handler) apiHide(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := targetID(c, kind)
		if err != nil {
			return err
		}
		var in hideJSON
		if err := bindJSON(c, &in); err != nil {
			return err
		}
		st, err := models.HideItem(c.Request().Context(), h.db, currentUser(c), models.ItemRef{Type: kind, ID: id}, in.Reason)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, st)
	}
}

// apiRestore makes a hidden, spam or pending item visible; it takes no
// body (an empty JSON object is fine too). → 200 with the item's new state.
func (h *Handler) apiRestore(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := targetID(c, kind)
		if err != nil {
			return err
		}
		if err := bindOptionalJSON(c, &struct{}{}); err != nil {
			return err
		}
		st, err := models.RestoreItem(c.Request().Context(), h.db, currentUser(c), models.ItemRef{Type: kind, ID: id})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, st)
	}
}

// bindOptionalJSON is bindJSON for endpoints whose body may be empty.
func bindOptionalJSON(c echo.Context, dst any) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(body)) == "" {
		return nil
	}
	c.Request().Body = io.NopCloser(strings.NewReader(string(body)))
	return bindJSON(c, dst)
}

// banJSON is the input of POST /api/v1/users/:id/ban: until is an RFC 3339
// time, or null (or absent) for a permanent ban.
type banJSON struct {
	Until  *string `json:"until"`
	Reason string  `json:"reason"`
}

func userID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.NotFound("No such user.")
	}
	return id, nil
}

// apiBan bans a member and signs them out everywhere. → 200 with the ban.
func (h *Handler) apiBan(c echo.Context) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	var in banJSON
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ban := models.BanInput{Reason: in.Reason}
	if in.Until != nil {
		t, err := timeRFC3339(*in.Until)
		if err != nil {
			return &models.ValidationError{Fields: map[string]string{
				"until": "Use an RFC 3339 time such as 2030-01-31T12:00:00Z, or null for a permanent ban."}}
		}
		ban.Until = t
	}
	b, err := models.BanUser(c.Request().Context(), h.db, currentUser(c), id, ban)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

// apiUnban lifts a ban; lifting one that is not there is fine. → 204.
func (h *Handler) apiUnban(c echo.Context) error {
	id, err := userID(c)
	if err != nil {
		return err
	}
	if err := models.UnbanUser(c.Request().Context(), h.db, currentUser(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// timeRFC3339 parses an API timestamp.
func timeRFC3339(s string) (*time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
