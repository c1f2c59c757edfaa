package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The realistic vocabulary is thousands of distinct lower-case words, the
// same on every run (datasets of two runs compare).
func TestVocabularyIsThousandsOfDistinctWords(t *testing.T) {
	v := vocabulary()
	if len(v) != vocabularySize || vocabularySize < 2000 {
		t.Fatalf("%d words", len(v))
	}
	seen := map[string]bool{}
	word := regexp.MustCompile(`^[a-z]{3,}$`)
	for _, w := range v {
		if seen[w] || !word.MatchString(w) {
			t.Fatalf("word %q is repeated or not a word", w)
		}
		seen[w] = true
	}
	if again := vocabulary(); again[1234] != v[1234] {
		t.Error("the vocabulary differs between runs")
	}
}

// The two-process mode's proxy sends requests to each backend in turn, and
// the ceiling serves the page it was given.
func TestProxyRoundRobinAndCeiling(t *testing.T) {
	hits := map[string]int{}
	var backends []string
	for _, name := range []string{"a", "b"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }))
		defer srv.Close()
		backends = append(backends, srv.URL)
	}
	base, stop, err := serveProxy(backends)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for range 10 {
		b, err := fetchPage(context.Background(), base+"/")
		if err != nil {
			t.Fatal(err)
		}
		hits[string(b)]++
	}
	if hits["a"] != 5 || hits["b"] != 5 {
		t.Errorf("round robin: %v", hits)
	}
	c, err := startCeiling("127.0.0.1:0", []byte("<p>fixed page</p>"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	if b, err := fetchPage(context.Background(), c.base+"/"); err != nil || string(b) != "<p>fixed page</p>" {
		t.Errorf("ceiling: %q %v", b, err)
	}
}

// The typing and fresh-search mixes never repeat a title or query (a
// cache would answer it), are the same on every run, and read like what
// people type.
func TestFreshMixesAreNewEachTimeAndStable(t *testing.T) {
	for name, gen := range map[string]func(int) []string{"typed titles": typedTitles, "search queries": searchQueries} {
		items := gen(20000)
		seen := map[string]bool{}
		for _, s := range items {
			if seen[s] || len(s) < 3 || strings.TrimSpace(s) != s {
				t.Fatalf("%s: %q is repeated or malformed", name, s)
			}
			seen[s] = true
		}
		if again := gen(20000); again[777] != items[777] {
			t.Errorf("the %s differ between runs", name)
		}
	}
}
