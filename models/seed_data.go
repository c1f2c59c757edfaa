package models

// The demo community that `crowdwise seed --demo` loads (see seed.go): its
// people, categories and status notes; the ideas are in seed_ideas.go.

// demoUsers are the people of the demo community: three staff, nine
// customers. Each signs in through dev sign-in with their email; the local
// part of the email ("nadia") is how the tables below refer to them.
var demoUsers = []struct{ Name, Email, Role string }{
	{"Ada Admin", "admin@example.com", RoleAdmin},
	{"Morgan Moderator", "moderator@example.com", RoleModerator},
	{"Priya Product", "pm@example.com", RoleProductManager},
	{"Sam Customer", "sam@example.com", RoleMember},
	{"Lee Customer", "lee@example.com", RoleMember},
	{"Nadia Okafor", "nadia@example.com", RoleMember},
	{"Tomás Herrera", "tomas@example.com", RoleMember},
	{"Mei Lin Chen", "meilin@example.com", RoleMember},
	{"Jonas Becker", "jonas@example.com", RoleMember},
	{"Aisha Rahman", "aisha@example.com", RoleMember},
	{"Ravi Iyer", "ravi@example.com", RoleMember},
	{"Grace O'Connell", "grace@example.com", RoleMember},
}

// demoCategories sit after 'general' (position 0), which the migration
// creates, in this order.
var demoCategories = []struct {
	Slug, Name, Description string
	Position                int
}{
	{"integrations", "Integrations", "Connections to CRMs, chat tools, spreadsheets and the API", 1},
	{"reporting", "Reporting", "Dashboards, reports, charts and exports", 2},
	{"mobile", "Mobile", "The iOS and Android apps", 3},
	{"performance", "Performance", "Speed of pages, search, imports and the API", 4},
	{"accessibility", "Accessibility", "Keyboard, screen reader, contrast and language support", 5},
}

// demoStatusNotes are the public notes of the seeded status changes.
var demoStatusNotes = map[string]string{
	StatusUnderReview: "Thanks for the detailed use cases. We're looking into how this fits with our plans.",
	StatusPlanned:     "This is on the roadmap for next quarter.",
	StatusInProgress:  "We've started building this. Follow the idea for updates.",
	StatusShipped:     "Shipped!",
	StatusDeclined:    "We've decided not to build this for now; see the comments for why and for alternatives.",
}
