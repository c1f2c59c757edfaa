package handlers

import "testing"

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
