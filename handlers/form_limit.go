package handlers

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// keyTooLarge marks a browser form whose body was over the limit and was cut
// to its first MaxBodyBytes.
const keyTooLarge = "body_too_large"

// The longest text each form field takes: the forms' maxlength attributes
// and the models' checks say the same.
const (
	maxTitleChars   = 120
	maxIdeaChars    = 10000
	maxTagsChars    = 200
	maxCommentChars = 5000
)

// formsShownAgain are the routes whose handlers show their form again with
// what fits of an oversize post (see tooLarge); every other route refuses
// such a post with a plain 413 page.
var formsShownAgain = map[string]bool{
	"/ideas":              true,
	"/ideas/:id/edit":     true,
	"/ideas/:id/comments": true,
}

// bodyLimit runs before routing so an oversize body gets 413 on any path.
// A browser form (url-encoded, outside /api/) is the exception: a body over
// the limit is cut to the limit and marked instead, so after the session
// and CSRF checks the form can come back with the text that fits rather
// than losing it all behind an error page. refuseOversize turns it into a
// 413 on every route that does not show its form again; nothing is saved.
func (h *Handler) bodyLimit() echo.MiddlewareFunc {
	limit := h.opts.MaxBodyBytes
	strict := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: strconv.FormatInt(limit, 10) + "B"})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		strictNext := strict(next)
		return func(c echo.Context) error {
			if large, err := largeBody(c); large {
				if err != nil {
					return err
				}
				return next(c)
			}
			req := c.Request()
			ct, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
			if isAPI(c) || ct != echo.MIMEApplicationForm || req.ContentLength >= 0 && req.ContentLength <= limit {
				return strictNext(c)
			}
			// Unknown or oversize length: read at most one byte past the limit.
			buf, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
			if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, "Could not read the form.")
			}
			if int64(len(buf)) > limit {
				buf = clipForm(buf[:limit])
				c.Set(keyTooLarge, true)
			}
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(buf)), int64(len(buf))
			return next(c)
		}
	}
}

// clipForm makes a cut url-encoded body whole again: the last, cut value
// loses a torn %-escape and a torn UTF-8 character, so what is left decodes
// to valid text.
func clipForm(b []byte) []byte {
	head, tail := []byte(nil), b
	if i := bytes.LastIndexByte(b, '&'); i >= 0 {
		head, tail = b[:i+1], b[i+1:]
	}
	key, val, _ := strings.Cut(string(tail), "=")
	if i := strings.LastIndexByte(val, '%'); i >= 0 && len(val)-i < 3 {
		val = val[:i]
	}
	text, err := url.QueryUnescape(val)
	if err != nil {
		return head
	}
	for i := 0; i < utf8.UTFMax && !utf8.ValidString(text); i++ {
		text = text[:len(text)-1]
	}
	return append(head, key+"="+url.QueryEscape(text)...)
}

// refuseOversize ends a cut form with a 413 unless its route shows the form
// again. It runs before the CSRF check: a refused body is never read, so a
// 413 is the answer whatever else is wrong with it.
func (h *Handler) refuseOversize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if tooLarge(c) && !formsShownAgain[c.Path()] {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, h.tooLargeMessage())
		}
		return next(c)
	}
}

// tooLarge reports a form that was cut to the body limit: its handler must
// show the form again (with clipText) and save nothing.
func tooLarge(c echo.Context) bool {
	cut, _ := c.Get(keyTooLarge).(bool)
	return cut
}

func (h *Handler) tooLargeMessage() string {
	return "That was more than the " + byteSize(h.opts.MaxBodyBytes) + " this site accepts at once, so nothing was saved. " +
		"Go back to find your text, shorten it and send it again."
}

// tooLargeFormMessage heads a form shown again after it was cut.
func (h *Handler) tooLargeFormMessage() string {
	return "Your post was more than the " + byteSize(h.opts.MaxBodyBytes) + " this site accepts at once, so nothing was saved. " +
		"What fits is kept below: shorten the marked text, check the other fields and post again."
}

// clipText cuts *s to max characters; when it does, fields gets a message
// for name.
func clipText(s *string, max int, name string, fields map[string]string) {
	if utf8.RuneCountInString(*s) <= max {
		return
	}
	*s = string([]rune(*s)[:max])
	fields[name] = "This was too long: only the first " + thousands(max) + " characters, the most it takes, are kept."
}

// byteSize is a limit for people: "1 MB", "64 KB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// thousands writes 10000 as "10,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
