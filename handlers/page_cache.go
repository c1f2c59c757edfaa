package handlers

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"
)

// pageCache keeps the rendered pages anonymous visitors get for a moment
// (the home page's lists), so a crowd reading the same list costs one query
// and one template run per second, not one per visitor.
//
// What differs between anonymous visitors is only their CSRF token (each
// has their own `csrf` cookie): a cached body holds nonce in its place and
// every response gets the visitor's own token written in. The nonce is
// random per process, so no text a member wrote can name it. Signed-in
// members are served from the same page with their own header and vote
// marks put in (sharedPage, home_shared.go).
//
// Across processes the cache is only ever ttl old: every replica keeps its
// own and none is told of another's writes. Within a process any write
// (an unsafe request, whatever its result) forgets everything at once, so
// whoever wrote through this process reads it back.
type pageCache struct {
	ttl   time.Duration
	max   int
	now   func() time.Time
	nonce []byte
	// gen counts writes; an entry rendered before a write began is stale.
	gen   atomic.Uint64
	mu    sync.Mutex
	items map[string]cachedPage
	group singleflight.Group
}

type cachedPage struct {
	page *sharedPage
	gen  uint64
	at   time.Time
}

func newPageCache(ttl time.Duration, max int) *pageCache {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return &pageCache{ttl: ttl, max: max, now: time.Now, nonce: []byte("csrf-" + hex.EncodeToString(b)), items: map[string]cachedPage{}}
}

// get returns the cached page for key, if fresh.
func (pc *pageCache) get(key string, now time.Time) (*sharedPage, bool) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	e, ok := pc.items[key]
	if !ok || e.gen != pc.gen.Load() || now.Sub(e.at) >= pc.ttl {
		return nil, false
	}
	return e.page, true
}

// put stores page rendered at gen; when full it first drops stale entries
// and, if none are, stores nothing (odd query strings cannot grow it).
func (pc *pageCache) put(key string, page *sharedPage, gen uint64, now time.Time) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if len(pc.items) >= pc.max {
		for k, e := range pc.items {
			if e.gen != pc.gen.Load() || now.Sub(e.at) >= pc.ttl {
				delete(pc.items, k)
			}
		}
		if len(pc.items) >= pc.max {
			return
		}
	}
	pc.items[key] = cachedPage{page: page, gen: gen, at: now}
}

// page serves key from the cache or renders it once for everyone asking
// at the same moment. render gets the nonce to use as the CSRF token; only
// a 200 is shared. What comes back still carries the nonce (withToken
// writes a visitor's token in). ok is false when a waiter must render its
// own page (the one rendered was not shareable).
func (pc *pageCache) page(key string, render func(nonce string) (*sharedPage, error)) (sp *sharedPage, ok bool, err error) {
	if pc.ttl < 0 {
		return nil, false, nil
	}
	now := pc.now()
	if sp, ok = pc.get(key, now); ok {
		return sp, true, nil
	}
	leader := false
	v, err, _ := pc.group.Do(key, func() (any, error) {
		leader = true
		gen := pc.gen.Load()
		sp, err := render(string(pc.nonce))
		if err == nil && sp.status == http.StatusOK {
			pc.put(key, sp, gen, now)
		}
		return sp, err
	})
	if err != nil {
		return nil, leader, err
	}
	sp = v.(*sharedPage)
	if sp.status != http.StatusOK && !leader {
		return nil, false, nil
	}
	return sp, true, nil
}

// send answers c with a shared page, the parts of its body in order,
// writing the visitor's CSRF token in place of each nonce as the body goes
// out instead of copying the page per request: a home page is about 28 KB
// of HTML, and at 9,000 requests a second those copies (250 MB/s) kept the
// garbage collector busy. A nonce never straddles two parts.
func (pc *pageCache) send(c echo.Context, status int, token string, parts ...[]byte) error {
	startPage(c, status)
	res := c.Response()
	for _, body := range parts {
		for {
			i := bytes.Index(body, pc.nonce)
			if i < 0 {
				break
			}
			if _, err := res.Write(body[:i]); err != nil {
				return err
			}
			if _, err := io.WriteString(res, token); err != nil {
				return err
			}
			body = body[i+len(pc.nonce):]
		}
		if _, err := res.Write(body); err != nil {
			return err
		}
	}
	return nil
}

// forgetOnWrite drops every cached page when an unsafe request ends, so
// a write through this process shows at once on its pages.
func (pc *pageCache) forgetOnWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if safeMethod(c.Request().Method) {
			return next(c)
		}
		defer pc.gen.Add(1)
		return next(c)
	}
}
