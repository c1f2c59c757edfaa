// Package static holds the CSS, the small vanilla JavaScript and the images,
// embedded in the binary: no CDN, no front-end build step.
package static

import "embed"

//go:embed css js img
var FS embed.FS
