package handlers

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

func (h *Handler) requestID() echo.MiddlewareFunc {
	return middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		// Only trust an incoming id when it looks like one of ours.
		Generator: func() string { return randomToken(12) },
	})
}

// observe commits errors through the error handler itself so the log line
// and metrics carry the status the client really received.
func (h *Handler) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req, res := c.Request(), c.Response()
		route := c.Path()
		if route == "" || res.Status == http.StatusNotFound && route == "/*" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		h.metrics.observe(req.Method, route, res.Status, elapsed)
		level := slog.LevelInfo
		if res.Status >= 500 && res.Status != statusClientClosed {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("id", res.Header().Get(echo.HeaderXRequestID)),
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("route", route),
			slog.Int("status", res.Status),
			slog.Int64("bytes", res.Size),
			slog.Duration("duration", elapsed),
			slog.String("ip", c.RealIP()),
		}
		if err != nil && res.Status >= 500 && res.Status != statusClientClosed {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		h.log.LogAttrs(req.Context(), level, "request", attrs...)
		return nil
	}
}

func (h *Handler) recoverPanics() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, DisablePrintStack: true})
}

// gzip compresses answers, except the metrics and the API's PUT and DELETE
// answers: those are a few dozen bytes of state (a vote, a follow), which
// gzip makes no smaller, while resetting a compressor for each cost about a
// sixth of a vote's Go CPU.
//
// GzipLevel is 1 (fastest), as nginx's default: on the shared home and idea
// pages, compressing at the default level was half of what the app spent
// per request (about 9× level 1's cost for ~15% fewer bytes).
const GzipLevel = 1

func (h *Handler) gzip() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		Level: GzipLevel,
		Skipper: func(c echo.Context) bool {
			m := c.Request().Method
			return strings.HasPrefix(c.Path(), "/metrics") ||
				(m == http.MethodPut || m == http.MethodDelete) && strings.HasPrefix(c.Path(), "/api/")
		},
	})
}

// csp allows only our own scripts and styles: no inline script anywhere.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (h *Handler) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	hsts := h.opts.BaseURL != nil && h.opts.BaseURL.Scheme == "https"
	return func(c echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if hsts {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}
