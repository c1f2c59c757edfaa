package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// validText refuses a request whose query string, form or JSON body holds
// text that is not UTF-8 or contains a NUL byte, with one 400, before any
// handler runs. PostgreSQL cannot store either (a 500 deep in some query),
// and decoders would quietly turn the bytes into U+FFFD; checking here once
// keeps every handler from having to.
func (h *Handler) validText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if name, ok := badValues(req.URL.Query()); !ok {
			return invalidText("The query parameter " + name)
		}
		if req.Body == nil || req.Body == http.NoBody || req.Method == http.MethodGet || req.Method == http.MethodHead ||
			trackerWebhookPath(c.Path()) { // signed bytes, verified before they are read as text
			return next(c)
		}
		ct, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
		switch {
		case ct == echo.MIMEApplicationForm || ct == echo.MIMEMultipartForm:
			form, err := c.FormParams()
			if err != nil {
				var he *echo.HTTPError
				if errors.As(err, &he) {
					return err // the body limit's 413
				}
				return &models.Problem{Kind: models.ErrBadRequest, Message: "Could not read the form."}
			}
			if name, ok := badValues(form); !ok {
				return invalidText("The form field " + name)
			}
		case isAPI(c) || ct == echo.MIMEApplicationJSON:
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return err // the body limit's 413
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			if !jsonTextValid(body) {
				return invalidText("The request body")
			}
		}
		return next(c)
	}
}

func invalidText(what string) error {
	return &models.Problem{Kind: models.ErrBadRequest,
		Message: what + " is not valid text: it must be UTF-8 without NUL characters. Nothing was saved."}
}

// badValues finds the first key or value that is not valid text and names
// it for the message (a name that is itself bad text is not repeated).
func badValues(vals url.Values) (string, bool) {
	for k, vs := range vals {
		if !validString(k) {
			return "name", false
		}
		for _, v := range vs {
			if !validString(v) {
				return strconv.QuoteToASCII(truncate(k, 40)), false
			}
		}
	}
	return "", true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func validString(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// jsonTextValid checks a JSON body's bytes and its string escapes: \u0000 is
// a NUL, and a \uD800–\uDFFF escape not in a high-low pair is no character
// at all (Go would decode it as U+FFFD). Outside strings a backslash is not
// valid JSON anyway, so every backslash starts an escape.
func jsonTextValid(b []byte) bool {
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 < len(b) && b[i+1] != 'u' {
			i++ // a one-letter escape, such as \\ or \"
			continue
		}
		r, ok := hex4(b, i+2)
		switch {
		case !ok:
			return true // malformed: the JSON decoder will say so
		case r == 0:
			return false
		case r >= 0xDC00 && r <= 0xDFFF:
			return false
		case r >= 0xD800 && r <= 0xDBFF:
			if i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
				return false
			}
			lo, ok := hex4(b, i+8)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 11
			continue
		}
		i += 5
	}
	return true
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return rune(n), err == nil
}
