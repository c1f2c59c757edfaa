package tracker

import (
	"strconv"
	"strings"
)

// DescriptionLines is the body of a new issue, one paragraph per entry:
// the idea's text, then the facts sales cares about, the link back, and the
// marker last so it is easy to find and hard to edit away by accident.
// Connectors render the entries in their own format (ADF, Markdown).
func (in CreateInput) DescriptionLines() []string {
	var out []string
	if d := strings.TrimSpace(in.Description); d != "" {
		out = append(out, d)
	}
	facts := "Votes: " + strconv.Itoa(in.Votes)
	if in.ARRAtStake != "" {
		facts += " · ARR at stake: " + in.ARRAtStake
	}
	out = append(out, facts)
	if len(in.TopAccounts) > 0 {
		out = append(out, "Top accounts: "+strings.Join(in.TopAccounts, ", "))
	}
	if in.IdeaURL != "" {
		out = append(out, "Idea: "+in.IdeaURL)
	}
	return append(out, Marker(in.IdeaID))
}

// Markdown joins DescriptionLines as Markdown paragraphs (GitHub, Linear).
func (in CreateInput) Markdown() string { return strings.Join(in.DescriptionLines(), "\n\n") }
