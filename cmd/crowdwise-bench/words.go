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
