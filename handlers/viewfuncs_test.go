package handlers

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPluralIsEnglish(t *testing.T) {
	cases := []struct {
		n    int
		word string
		want string
	}{
		{1, "entry", "1 entry"},
		{7, "entry", "7 entries"},
		{0, "entry", "0 entries"},
		{2, "reply", "2 replies"},
		{3, "day", "3 days"},
		{2, "match", "2 matches"},
		{4, "status", "4 statuses"},
		{5, "box", "5 boxes"},
		{2, "wish", "2 wishes"},
		{12, "person", "12 people"},
		{1, "person", "1 person"},
		{2, "vote", "2 votes"},
		{-1, "item", "-1 items"},
	}
	for _, c := range cases {
		if got := plural(c.n, c.word); got != c.want {
			t.Errorf("plural(%d, %q) = %q, want %q", c.n, c.word, got, c.want)
		}
	}
}

// excerptReference is the obvious excerpt: collapse every space of the
// whole text, then cut. excerpt must say exactly what it says.
func excerptReference(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i > len(string(r))*3/4 {
		return strings.TrimSpace(string(r)[:i]) + "…"
	}
	return strings.TrimSpace(string(r)) + "…"
}

// excerpt stops after n characters instead of collapsing a whole body, and
// says the same as the reference on every kind of text and cut point.
func TestExcerptMatchesTheReference(t *testing.T) {
	words := []string{"a", "bb", "ccc", "dddddddddd", "é", "日本語", "\t", "\n\n", "  ", " ", "x\u00a0y", "word."}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for k := rnd.IntN(40); k > 0; k-- {
			b.WriteString(words[rnd.IntN(len(words))])
			if rnd.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		s, n := b.String(), 1+rnd.IntN(30)
		if got, want := excerpt(s, n), excerptReference(s, n); got != want {
			t.Fatalf("excerpt(%q, %d) = %q, want %q", s, n, got, want)
		}
	}
}
