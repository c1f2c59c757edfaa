package models

import (
	"bytes"
	"html"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// rawHTMLAsText renders HTML that people type into Markdown as the text they
// typed: "<b>bold</b>" reads as just that. goldmark's default would drop it
// silently ("keep the <table> layout" lost its word); letting it through
// would leave bluemonday to strip it instead. Escaped text cannot become
// markup, so bluemonday still sees only Markdown's own elements.
type rawHTMLAsText struct{}

// rawHTMLPriority beats goldmark's HTML renderer (1000): a lower number
// registers later and wins for the node kinds both render.
const rawHTMLPriority = 100

func (rawHTMLAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, renderInlineHTML)
	reg.Register(ast.KindHTMLBlock, renderHTMLBlock)
}

func renderInlineHTML(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		segs := node.(*ast.RawHTML).Segments
		for i := range segs.Len() {
			seg := segs.At(i)
			_, _ = w.WriteString(html.EscapeString(string(seg.Value(source))))
		}
	}
	return ast.WalkSkipChildren, nil
}

// renderHTMLBlock shows a block of HTML as a paragraph of its source lines.
func renderHTMLBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.HTMLBlock)
	var lines []string
	for i := range n.Lines().Len() {
		line := n.Lines().At(i)
		lines = append(lines, string(bytes.TrimRight(line.Value(source), "\r\n")))
	}
	if n.HasClosure() {
		lines = append(lines, string(bytes.TrimRight(n.ClosureLine.Value(source), "\r\n")))
	}
	for i, l := range lines {
		lines[i] = html.EscapeString(l)
	}
	_, _ = w.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
	return ast.WalkContinue, nil
}
