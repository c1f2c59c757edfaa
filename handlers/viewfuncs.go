package handlers

import (
	"errors"
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/crowdwise/crowdwise/models"
)

// viewFuncs are the helpers templates may call.
func viewFuncs(a *assets) template.FuncMap {
	return template.FuncMap{
		"asset":   a.url,
		"year":    func() int { return time.Now().Year() },
		"ago":     ago,
		"status":  statusLabel,
		"role":    models.RoleLabel,
		"excerpt": excerpt,
		"plural":  plural,
		"dict":    dict,
		"int":     func(n int64) int { return int(n) },
		"money":   money,
		"label":   crmLabel,
		"deref":   func(p *int64) int64 { return *p },
		// sanitized marks HTML that bluemonday produced when it was saved
		// (body_html columns); never use it on anything else.
		"sanitized": func(s string) template.HTML { return template.HTML(s) },
		// Backlog names: "Jira", "Won't do".
		"providerName": models.ProviderName,
		"columnTitle":  models.ColumnTitle,
	}
}

// ago is a short relative time: "just now", "5 minutes ago", "3 days ago".
func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d.Hours()/24), "day") + " ago"
	case d < 365*24*time.Hour:
		return plural(int(d.Hours()/24/30), "month") + " ago"
	}
	return t.Format("Jan 2006")
}

// plural counts a noun in English: "1 entry", "7 entries", "2 matches",
// "12 people". Every count the views print goes through it.
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + pluralOf(word)
}

// irregularPlurals are the nouns the views count that take no -s.
var irregularPlurals = map[string]string{"person": "people"}

// pluralOf is the plural of a singular English noun.
func pluralOf(word string) string {
	if p, ok := irregularPlurals[word]; ok {
		return p
	}
	n := len(word)
	switch {
	case n > 1 && word[n-1] == 'y' && !strings.ContainsRune("aeiou", rune(word[n-2])):
		return word[:n-1] + "ies" // entry → entries; day → days
	case strings.HasSuffix(word, "s"), strings.HasSuffix(word, "x"), strings.HasSuffix(word, "z"),
		strings.HasSuffix(word, "ch"), strings.HasSuffix(word, "sh"):
		return word + "es"
	}
	return word + "s"
}

var statusLabels = map[string]string{
	"open": "Open", "under_review": "Under review", "planned": "Planned", "in_progress": "In progress",
	"shipped": "Shipped", "declined": "Declined", "merged": "Merged",
}

func statusLabel(s string) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return s
}

// excerpt is the first n characters of plain text (a body_text column,
// never Markdown source), whitespace collapsed, cut at a word when one ends
// near n; html/template escapes it where it is shown. One pass that stops
// after n characters: a list row never walks a 10,000-character body.
func excerpt(s string, n int) string {
	var b strings.Builder
	b.Grow(min(len(s), 4*n))
	count, space := 0, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = count > 0
			continue
		}
		if count == n {
			return cutExcerpt(b.String())
		}
		if space {
			b.WriteByte(' ')
			count++
			space = false
			if count == n {
				return cutExcerpt(b.String())
			}
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}

// cutExcerpt ends the first n characters of a longer text at a word when
// one ends in its last quarter.
func cutExcerpt(r string) string {
	if i := strings.LastIndexByte(r, ' '); i > len(r)*3/4 {
		return strings.TrimSpace(r[:i]) + "…"
	}
	return strings.TrimSpace(r) + "…"
}

// dict builds a map for passing several values to a partial.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
