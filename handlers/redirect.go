package handlers

import (
	"net/url"
	"strings"
)

// safeNext returns next when it is a local path on this site and "/"
// otherwise: absolute URLs, scheme-relative "//evil", "/\evil" (which
// browsers treat as "//evil") and anything with control characters.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || next[0] != '/' {
		return "/"
	}
	if strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}
