package main

// Word lists for synthetic titles, bodies and comments. Titles are
// "<verb> <adjective> <noun> <tail>" (16×24×30×20 ≈ 230k combinations), so
// full-text search for a noun matches about 1/30 of all ideas and trigram
// similarity finds many near-duplicates — the shapes real portals have.
var (
	titleVerbs = []string{
		"Add", "Support", "Allow", "Improve", "Show", "Export", "Import", "Sync",
		"Customize", "Schedule", "Filter", "Automate", "Enable", "Share", "Archive", "Search",
	}
	titleAdjectives = []string{
		"dark", "bulk", "recurring", "shared", "custom", "private", "offline", "weekly",
		"real-time", "nested", "archived", "multiple", "keyboard", "mobile", "automatic", "granular",
		"public", "saved", "default", "advanced", "color-coded", "team", "guest", "pinned",
	}
	// titleNouns[0] is the benchmark's search word: the first noun is as
	// common as any other, so it is a typical broad query.
	titleNouns = []string{
		"reports", "dashboards", "notifications", "comments", "tags", "filters", "webhooks", "calendars",
		"invoices", "projects", "tasks", "templates", "exports", "roles", "permissions", "labels",
		"attachments", "reminders", "charts", "forms", "workflows", "integrations", "views", "emails",
		"widgets", "boards", "milestones", "timelines", "surveys", "backups",
	}
	titleTails = []string{
		"for admins", "in the mobile app", "via the API", "with Slack", "for large teams", "per project",
		"on the dashboard", "in Jira", "for guests", "by date", "across workspaces", "with Google Sheets",
		"in dark mode", "for enterprise plans", "from email", "in bulk", "on Android", "on iOS",
		"with SSO", "for every user",
	}
	bodyPains = []string{
		"we copy everything into a spreadsheet by hand",
		"our support team answers the same question every week",
		"we have to ask an admin every single time",
		"people miss updates and work gets done twice",
		"we keep a separate tool just for this",
		"the current workaround breaks whenever someone renames something",
		"new colleagues get lost during onboarding",
		"managers cannot see what is going on without a meeting",
	}
	bodyBenefits = []string{
		"This would save our team hours every month.",
		"It would make the product much easier to sell internally.",
		"Several of our customers have asked for exactly this.",
		"We would finally be able to retire our old tool.",
		"It would reduce mistakes and keep everyone on the same page.",
		"Competitors already offer something similar.",
	}
	commentOpeners = []string{
		"+1 from our team.", "We need this too.", "Any update on this?", "This would be a game changer.",
		"Same here.", "Upvoted.", "Great idea!", "We would use this every day.",
		"Please prioritise this.", "Agreed with the comments above.", "Interesting, but", "Thanks for posting this.",
	}
	// commentDetails are format() templates; %s is a noun from titleNouns.
	commentDetails = []string{
		"Our %s are a mess without it.",
		"We rely on %s for our weekly review.",
		"It should also work for archived %s.",
		"Ideally it would respect the permissions on %s.",
		"We currently export %s to work around this.",
		"Would this include %s shared with guests?",
		"Our customers ask about %s all the time.",
		"This matters most for %s with many people involved.",
	}
	categorySlugs = []string{"performance", "integrations", "mobile", "reporting", "security", "billing", "design"}
	ideaTags      = []string{"api", "ux", "mobile", "reporting", "integrations", "security", "billing", "notifications", "export", "performance"}
)

// Comment threading pattern, repeated in blocks of twenty comments per
// idea: replyBack[k] is how many positions back the parent of comment k
// sits (0 = top level) and replyDepth[k] its depth. Parents always come
// first, 8 of 20 comments start a thread, and every depth from 0 to 5 occurs.
var (
	replyBack  = []int32{0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 9}
	replyDepth = []int32{0, 1, 2, 3, 0, 0, 1, 0, 1, 0, 0, 1, 2, 3, 4, 5, 0, 1, 0, 1}
)

// vocabularySize is how many distinct words realistic titles and bodies
// draw from: thousands, as a community's texts do, not the few dozen of
// the template above.
const vocabularySize = 4000

// vocabulary is vocabularySize distinct pronounceable words of one to
// three syllables, the same on every run. The generator draws from it with
// a Zipf distribution (zipf below): word k is about k times rarer than
// the most common, so a few words are everywhere and most are rare.
func vocabulary() []string {
	onsets := []string{"b", "br", "c", "ch", "d", "f", "fl", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pl", "qu", "r", "s", "sh", "st", "t", "tr", "v", "w", "z"}
	vowels := []string{"a", "e", "i", "o", "u", "ai", "ea", "oo"}
	codas := []string{"", "n", "r", "s", "t", "ck", "nd", "ll", "m", "x"}
	var syll []string
	for _, o := range onsets {
		for _, v := range vowels {
			for _, c := range codas {
				syll = append(syll, o+v+c)
			}
		}
	}
	seen := map[string]bool{}
	words := make([]string, 0, vocabularySize)
	for i := uint64(1); len(words) < vocabularySize; i++ {
		x := i * 0x9E3779B97F4A7C15 // a fixed walk through syllable triples
		w := syll[x%uint64(len(syll))]
		if n := (x >> 20) % 3; n >= 1 {
			w += syll[(x>>24)%uint64(len(syll))]
			if n == 2 {
				w += syll[(x>>40)%uint64(len(syll))]
			}
		}
		if len(w) >= 3 && !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}
