package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/crowdwise/crowdwise/handlers"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// ceiling is the most any page could do on this machine in this run: a
// bare Echo handler serving a fixed page (the home page's own bytes,
// gzipped the same way). Each endpoint is reported against it.
type ceiling struct {
	srv  *http.Server
	base string
}

// startCeiling serves page at addr.
func startCeiling(addr string, page []byte) (*ceiling, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{Level: handlers.GzipLevel}))
	e.GET("/", func(c echo.Context) error { return c.HTMLBlob(http.StatusOK, page) })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &ceiling{srv: &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}, base: "http://" + ln.Addr().String()}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

func (c *ceiling) stop() { _ = c.srv.Close() }

// fetchPage returns the uncompressed body of a GET.
func fetchPage(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s = %d", u, res.StatusCode)
	}
	return io.ReadAll(res.Body)
}

// roundRobin is the small reverse proxy of the two-process mode: each
// request goes to the next backend in turn, as a load balancer in front of
// app replicas would send it.
type roundRobin struct {
	proxies []*httputil.ReverseProxy
	next    atomic.Uint64
}

func newRoundRobin(backends []string) (*roundRobin, error) {
	rr := &roundRobin{}
	for _, b := range backends {
		u, err := url.Parse(b)
		if err != nil {
			return nil, err
		}
		p := httputil.NewSingleHostReverseProxy(u)
		// Keep as many idle connections to each backend as wrk opens.
		p.Transport = &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 512, IdleConnTimeout: time.Minute}
		rr.proxies = append(rr.proxies, p)
	}
	if len(rr.proxies) == 0 {
		return nil, errors.New("no backends")
	}
	return rr, nil
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rr.proxies[rr.next.Add(1)%uint64(len(rr.proxies))].ServeHTTP(w, r)
}

// serveProxy runs a round-robin proxy over backends at a free port.
func serveProxy(backends []string) (base string, stop func(), err error) {
	rr, err := newRoundRobin(backends)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: rr, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
