package handlers

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/crowdwise/crowdwise/models"
)

// largeBodies are the routes that take more than CROWDWISE_MAX_BODY_BYTES:
// an accounts CSV is up to models.MaxCSVBytes (plus, from a browser, the
// multipart envelope around it).
var largeBodies = map[string]int64{
	"/staff/accounts/import":  models.MaxCSVBytes + 64<<10,
	"/api/v1/accounts/import": models.MaxCSVBytes,
}

// largeBody applies a large route's own limit; ok is false for any other
// request, which keeps the site's limit.
func largeBody(c echo.Context) (ok bool, err error) {
	req := c.Request()
	limit, ok := largeBodies[req.URL.Path]
	if !ok || req.Method != http.MethodPost {
		return false, nil
	}
	if req.ContentLength > limit {
		return true, echo.NewHTTPError(http.StatusRequestEntityTooLarge, models.CSVTooLargeMessage)
	}
	req.Body = &cappedReader{rc: req.Body, left: limit}
	return true, nil
}

// cappedReader fails with the 413 once more than its limit was sent
// (a body of unknown length).
type cappedReader struct {
	rc   io.ReadCloser
	left int64
}

func (r *cappedReader) Read(p []byte) (int, error) {
	if r.left < 0 {
		return 0, echo.NewHTTPError(http.StatusRequestEntityTooLarge, models.CSVTooLargeMessage)
	}
	if int64(len(p)) > r.left+1 {
		p = p[:r.left+1]
	}
	n, err := r.rc.Read(p)
	r.left -= int64(n)
	if r.left < 0 {
		return n, echo.NewHTTPError(http.StatusRequestEntityTooLarge, models.CSVTooLargeMessage)
	}
	return n, err
}

func (r *cappedReader) Close() error { return r.rc.Close() }
