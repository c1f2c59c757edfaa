package models

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

func TestMarkdownIsSanitised(t *testing.T) {
	cases := []struct{ in, want, notWant string }{
		{"**bold** and _em_", "<strong>bold</strong>", ""},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>", ""},
		{"see https://example.com/x", `<a href="https://example.com/x" rel="nofollow ugc noopener">`, ""},
		{"[x](javascript:alert(1))", "", "javascript"},
		{"<script>alert(1)</script>", "", "<script"},
		{"a <b onclick=x>raw</b> tag", "raw", "<b"},
		{`<img src=x onerror=alert(1)>`, "", "<img"},
		{"![pic](https://example.com/a.png)", "", "<img"},
		{`[x](https://example.com/" onmouseover="alert(1))`, "", "onmouseover=\""},
		{"[mail](mailto:a@example.com)", `href="mailto:a@example.com"`, ""},
		{"[data](data:text/html;base64,PHNjcmlwdD4=)", "", "data:"},
		{"```go\nfmt.Println(1)\n```", `<code class="language-go">`, ""},
		{"- [x] done", "<li>", "<input"},
	}
	for _, tc := range cases {
		got := RenderMarkdown(tc.in)
		if tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%q → %q, want it to contain %q", tc.in, got, tc.want)
		}
		if tc.notWant != "" && strings.Contains(got, tc.notWant) {
			t.Errorf("%q → %q, must not contain %q", tc.in, got, tc.notWant)
		}
	}
}

// visibleText is what a reader sees of rendered HTML: tags dropped,
// entities decoded.
func visibleText(s string) string {
	return html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, ""))
}

// Raw HTML in Markdown is shown as the text that was typed, never run and
// never silently dropped.
func TestMarkdownShowsRawHTMLAsText(t *testing.T) {
	cases := []struct{ in, text string }{
		{"keep the <table> layout and <b>bold</b>", "keep the <table> layout and <b>bold</b>"},
		{"<script>alert(1)</script>", "<script>alert(1)</script>"},
		{"before\n\n<div class=\"box\">\ninside the block\n</div>\n\nafter", "<div class=\"box\">\ninside the block\n</div>"},
		{"<!-- a comment -->", "<!-- a comment -->"},
		{"a <img src=x onerror=alert(1)> b", "a <img src=x onerror=alert(1)> b"},
		{"**bold** and <em>typed</em>", "bold and <em>typed</em>"},
		{"<https://example.com> stays a link", "https://example.com stays a link"},
	}
	for _, tc := range cases {
		got := RenderMarkdown(tc.in)
		if !strings.Contains(visibleText(got), tc.text) {
			t.Errorf("%q → %q: a reader sees %q, want it to contain %q", tc.in, got, visibleText(got), tc.text)
		}
		for _, tag := range []string{"<script", "<div", "<img", "<b>", "<em>", "<table", "<!--"} {
			if strings.Contains(got, tag) {
				t.Errorf("%q → %q has a live %s", tc.in, got, tag)
			}
		}
	}
	if got := RenderMarkdown("**bold** text"); !strings.Contains(got, "<strong>bold</strong>") {
		t.Errorf("Markdown itself still renders: %q", got)
	}
}
