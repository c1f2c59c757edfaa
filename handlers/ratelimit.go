package handlers

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/crowdwise/crowdwise/models"
)

// perIPLimit allows n requests a minute per client IP (as resolved through
// TRUSTED_PROXIES), in bursts of up to n; over it → 429 with Retry-After.
func (h *Handler) perIPLimit(n int) echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(float64(n) / 60), Burst: n, ExpiresIn: 10 * time.Minute,
	})
	retry := strconv.Itoa(60/n + 1)
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               store,
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", retry)
			return &models.Problem{Kind: models.ErrRateLimited, Message: "Too many sign-in attempts from your network. Please wait a minute and try again."}
		},
	})
}
