// Package views holds the html/template pages and partials, embedded in the
// binary. Each page defines "title" and "content" and is rendered inside
// layout.html.
package views

import "embed"

//go:embed *.html partials/*.html
var FS embed.FS
