package models_test

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// slugReference is the rule Slugify implements, as a regexp.
func slugReference(s string) string {
	s = strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	if s == "" {
		return "idea"
	}
	return s
}

// Slugify (a loop, for speed) says what the regexp rule says.
func TestSlugifyMatchesTheRule(t *testing.T) {
	parts := []string{"Dark", "mode", ",", " ", "-", "--", "!", "É", "ß", "İ", "日本", "42", "a", "ZZ", "\t", "_", "K"}
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for k := rnd.IntN(30); k > 0; k-- {
			b.WriteString(parts[rnd.IntN(len(parts))])
		}
		if got, want := models.Slugify(b.String()), slugReference(b.String()); got != want {
			t.Fatalf("Slugify(%q) = %q, want %q", b.String(), got, want)
		}
	}
}
