package handlers

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// statusClientClosed is nginx's code for a request the client abandoned.
const statusClientClosed = 499

// apiError is the JSON error body under /api/.
type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// errorView is what error.html receives.
type errorView struct {
	Status  int
	Heading string
	Message string
}

// classify maps any error to a status, a stable code and a message that is
// safe to show: typed model errors carry their own, everything else is a 500
// whose text only reaches the log.
func classify(err error) (int, apiError) {
	var ve *models.ValidationError
	var pr *models.Problem
	var he *echo.HTTPError
	var rl *models.RateLimitError
	switch {
	case errors.As(err, &rl):
		return http.StatusTooManyRequests, apiError{Code: "rate_limited", Message: rl.Message}
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, apiError{Code: "validation_failed", Message: "Please correct the highlighted fields.", Fields: ve.Fields}
	case errors.As(err, &pr):
		status, code := kindStatus(pr.Kind)
		return status, apiError{Code: code, Message: pr.Message}
	case errors.As(err, &he):
		msg, _ := he.Message.(string)
		if he.Code >= 500 || msg == "" {
			msg = http.StatusText(he.Code)
		}
		return he.Code, apiError{Code: codeFor(he.Code), Message: msg}
	}
	for _, kind := range []error{models.ErrNotFound, models.ErrConflict, models.ErrForbidden, models.ErrUnauthorized, models.ErrRateLimited, models.ErrBadRequest} {
		if errors.Is(err, kind) {
			status, code := kindStatus(kind)
			return status, apiError{Code: code, Message: kind.Error()}
		}
	}
	return http.StatusInternalServerError, apiError{Code: "internal", Message: "Something went wrong on our side. Please try again."}
}

func kindStatus(kind error) (int, string) {
	switch kind {
	case models.ErrNotFound:
		return http.StatusNotFound, "not_found"
	case models.ErrConflict:
		return http.StatusConflict, "conflict"
	case models.ErrForbidden:
		return http.StatusForbidden, "forbidden"
	case models.ErrUnauthorized:
		return http.StatusUnauthorized, "unauthorized"
	case models.ErrRateLimited:
		return http.StatusTooManyRequests, "rate_limited"
	case models.ErrBadRequest:
		return http.StatusBadRequest, "bad_request"
	case models.ErrTooLarge:
		return http.StatusRequestEntityTooLarge, "payload_too_large"
	case models.ErrUnavailable:
		return http.StatusServiceUnavailable, "unavailable"
	}
	return http.StatusInternalServerError, "internal"
}

func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusUnprocessableEntity:
		return "validation_failed"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "error"
}

var headings = map[int]string{
	http.StatusBadRequest:            "That request didn't look right",
	http.StatusUnauthorized:          "Please sign in",
	http.StatusForbidden:             "You don't have access to this",
	http.StatusNotFound:              "We couldn't find that page",
	http.StatusMethodNotAllowed:      "That action isn't allowed here",
	http.StatusConflict:              "That conflicts with the current state",
	http.StatusRequestEntityTooLarge: "That was too large",
	http.StatusUnprocessableEntity:   "Some input needs fixing",
	http.StatusTooManyRequests:       "Slow down a little",
}

// handleError is Echo's one error handler: JSON under /api/, a page elsewhere.
func (h *Handler) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	// The client went away mid-request: nothing failed on our side, so it
	// is logged and counted as 499 (as nginx does), not as a 500. The
	// error may not say so: the driver drops a connection whose query was
	// cancelled and reports "bad connection", or a transaction is gone.
	if c.Request().Context().Err() != nil {
		if !errors.Is(err, context.Canceled) {
			h.log.InfoContext(c.Request().Context(), "client gone; request abandoned", "error", err.Error(),
				"path", c.Request().URL.Path)
		}
		c.Response().WriteHeader(statusClientClosed)
		return
	}
	status, body := classify(err)
	if status >= 500 {
		h.log.ErrorContext(c.Request().Context(), "request failed", "error", err.Error(),
			"path", c.Request().URL.Path, "id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if status == http.StatusTooManyRequests && c.Response().Header().Get("Retry-After") == "" {
		c.Response().Header().Set("Retry-After", retryAfter(err))
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		c.JSON(status, map[string]apiError{"error": body})
		return
	}
	heading := headings[status]
	if heading == "" {
		heading = "Something went wrong"
	}
	msg := body.Message
	if msg == http.StatusText(status) {
		msg = ""
	}
	if status == http.StatusRequestEntityTooLarge && msg == "" {
		msg = h.tooLargeMessage()
	}
	if rerr := h.render(c, status, "error", h.errorPage(c, heading, errorView{status, heading, msg})); rerr != nil {
		c.String(status, heading)
	}
}

// retryAfter is the Retry-After value for a 429, in whole seconds.
func retryAfter(err error) string {
	var rl *models.RateLimitError
	if errors.As(err, &rl) && rl.RetryAfter > 0 {
		return strconv.Itoa(int(math.Ceil(rl.RetryAfter.Seconds())))
	}
	return "60"
}
