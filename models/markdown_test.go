package models

import (
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
		{"a <b onclick=x>raw</b> tag", "raw", "onclick"},
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
