package models

import (
	"bytes"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// markdown turns member-written Markdown into safe HTML: goldmark renders
// (raw HTML in the source is shown as escaped text, see rawHTMLAsText) and bluemonday
// keeps only the elements and attributes below. Both are safe for
// concurrent use and immutable after construction.
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

var md = newMarkdown()

func newMarkdown() *markdown {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.AllowAttrs("href").OnElements("a")
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "del", "blockquote",
		"ul", "ol", "li", "pre", "code", "table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("align").Matching(bluemonday.SpaceSeparatedTokens).OnElements("th", "td")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("class").Matching(bluemonday.SpaceSeparatedTokens).OnElements("code")
	return &markdown{
		md: goldmark.New(
			goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify, extension.TaskList),
			goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(rawHTMLAsText{}, rawHTMLPriority))),
		),
		policy: p,
	}
}

// render returns sanitised HTML for source. Links get rel="nofollow ugc
// noopener" so spam earns nothing and no page can reach back to us.
func (m *markdown) render(source string) string {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(source), &buf); err != nil {
		// goldmark only fails on writer errors; fall back to escaped text.
		return m.policy.Sanitize("<p>" + strings.ReplaceAll(source, "<", "&lt;") + "</p>")
	}
	out := m.policy.SanitizeBytes(buf.Bytes())
	// bluemonday writes exactly rel="nofollow" on every kept link; text
	// content cannot contain that sequence unescaped.
	return strings.ReplaceAll(string(out), ` rel="nofollow"`, ` rel="nofollow ugc noopener"`)
}

// RenderMarkdown is the sanitised HTML of source, for previews and tests.
func RenderMarkdown(source string) string { return md.render(source) }
