package handlers

import "github.com/crowdwise/crowdwise/models"

// ideaRow is one row of an idea list with everything its partial shows
// worked out once in Go: the template then only prints fields, instead of
// calling helpers (and the idea's URL method) through reflection per row.
type ideaRow struct {
	Idea    *models.Idea
	CSRF    string
	Back    string
	URL     string
	Excerpt string
	Status  string
	// Comments is "3 comments"; Ago is "5 days ago".
	Comments string
	Ago      string
}

// ideaRows builds the rows of a list page; csrf and back go into each vote
// form.
func ideaRows(ideas []models.Idea, csrf, back string) []ideaRow {
	rows := make([]ideaRow, len(ideas))
	for i := range ideas {
		idea := &ideas[i]
		rows[i] = ideaRow{
			Idea: idea, CSRF: csrf, Back: back, URL: idea.URL(), Excerpt: excerpt(idea.BodyText, 160),
			Status: statusLabel(idea.Status), Comments: plural(idea.CommentCount, "comment"), Ago: ago(idea.CreatedAt),
		}
	}
	return rows
}
