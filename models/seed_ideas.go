package models

// The demo ideas and their discussions that `crowdwise seed --demo` loads
// (see seed.go; the people and categories they name are in seed_data.go).

// demoComment is one message in a demo discussion. Parent is the 1-based
// position of the comment it replies to in the same idea; 0 starts a thread.
type demoComment struct {
	By     string
	Parent int
	Body   string
}

// demoIdea is one demo suggestion. Votes counts the author's own vote;
// Status, if set, is applied by staff after the voting.
type demoIdea struct {
	Title    string
	Category string
	Tags     []string
	By       string
	Votes    int
	Status   string
	Body     string
	Comments []demoComment
}

// demoIdeas are listed oldest first; the first title marks the content as
// loaded, so keep it first and unchanged.
var demoIdeas = []demoIdea{
	{
		Title: "Two-way Salesforce sync for accounts and contacts", Category: "integrations",
		Tags: []string{"salesforce", "crm"}, By: "nadia", Votes: 11, Status: StatusPlanned,
		Body: `We run sales out of Salesforce and customer success out of here, and today someone re-keys every new account by hand. A proper two-way sync would save my team hours every week.

What we'd need:

- Accounts and contacts created in either system show up in the other
- Field mapping we can configure, including custom fields
- A clear rule for conflicts, e.g. "Salesforce wins" or "last edit wins"
- A sync log so admins can see what changed and why

The one-way CSV import is fine for a first load, but not for daily work.`,
		Comments: []demoComment{
			{By: "ravi", Body: "+1. We wrote a nightly script against both APIs to fake this, and it breaks every time someone adds a picklist value. Native sync would let us retire it."},
			{By: "nadia", Parent: 1, Body: "Same story here: our script is about 400 lines of Python that nobody wants to own."},
			{By: "pm", Body: "Thanks, everyone. This is one of our most requested integrations and we're planning it for next quarter.\n\nOne question: do you need **opportunities** synced too, or are accounts and contacts enough for a first version?"},
			{By: "jonas", Parent: 3, Body: "Accounts and contacts first is fine for us. Opportunities would be a nice phase two."},
			{By: "nadia", Parent: 3, Body: "We mostly care about the opportunity *stage*, so a read-only view of opportunities would be enough to start."},
			{By: "pm", Parent: 5, Body: "A read-only opportunity stage sounds like a good compromise. Noted!"},
			{By: "sam", Body: "Please make sure the sync respects field-level permissions. We have fields only finance is allowed to see."},
		},
	},
	{
		Title: "Email scheduled reports as PDF every Monday morning", Category: "reporting",
		Tags: []string{"email", "pdf", "scheduling"}, By: "sam", Votes: 10, Status: StatusInProgress,
		Body: `Every Monday I export three dashboards, save them as PDF and email them to our leadership team. I'd love to schedule this instead:

1. Pick a dashboard or report
2. Choose a schedule (daily, weekly on a given day, monthly on the 1st)
3. Add recipients, including people without an account
4. They get a PDF attachment plus a link to the live version

Bonus points: only send it if the data actually changed.`,
		Comments: []demoComment{
			{By: "meilin", Body: "Could CSV be an attachment option too? Our finance team pastes the numbers into their own model."},
			{By: "sam", Parent: 1, Body: "Good point. CSV for tables and PDF for charts would cover everything we do."},
			{By: "pm", Body: "This is in progress. The first version supports weekly and monthly schedules with PDF attachments; CSV follows shortly after."},
			{By: "lee", Parent: 3, Body: "Will recipients without an account be able to open the live link, or only the PDF?"},
			{By: "pm", Parent: 4, Body: "Only the PDF at first. Live links will need sign-in, for security reasons."},
			{By: "lee", Parent: 5, Body: "Makes sense. The PDF is what our executives read anyway."},
		},
	},
	{
		Title: "Dark mode for the web app", Category: "general",
		Tags: []string{"ui", "dark-mode"}, By: "lee", Votes: 9, Status: StatusShipped,
		Body: `I spend most of my day in the app and the bright white background is hard on the eyes in the evening. A dark theme that follows the operating system setting would be perfect.`,
		Comments: []demoComment{
			{By: "grace", Body: "If this happens, please check the contrast of the chart colours in dark mode too. A lot of apps get that wrong."},
			{By: "tomas", Body: "Yes please, and on mobile as well."},
			{By: "pm", Body: "Dark mode is now live for everyone! It follows your system setting by default, and you can override it under **Settings → Appearance**. We re-checked every chart palette against WCAG AA contrast."},
			{By: "lee", Parent: 3, Body: "Just switched. Looks great, thank you!"},
			{By: "grace", Parent: 3, Body: "I ran a few dashboards through a contrast checker and they all pass. Nice work."},
		},
	},
	{
		Title: "SAML single sign-on with Okta, Azure AD and Google Workspace", Category: "general",
		Tags: []string{"sso", "security"}, By: "jonas", Votes: 10, Status: StatusShipped,
		Body: `Our security policy requires every SaaS tool to sign in through our identity provider. Please support SAML 2.0 single sign-on with:

- Okta
- Azure AD (Entra ID)
- Google Workspace

Ideally with just-in-time provisioning of new users and an option to **enforce** SSO for everyone in the workspace. Okta's [SAML overview](https://developer.okta.com/docs/concepts/saml/) describes what we'd expect.`,
		Comments: []demoComment{
			{By: "aisha", Body: "SCIM provisioning would be the natural follow-up, so people who leave lose access automatically."},
			{By: "jonas", Parent: 1, Body: "Agreed, SCIM is on our wish list too. Probably worth its own idea."},
			{By: "admin", Body: "SAML SSO has shipped for Business and Enterprise workspaces. Admins can set it up under **Admin → Security → Single sign-on**. SCIM is tracked separately."},
		},
	},
	{
		Title: "Native iOS app with push notifications for approvals", Category: "mobile",
		Tags: []string{"ios", "notifications"}, By: "tomas", Votes: 8, Status: StatusUnderReview,
		Body: `Our field managers approve quotes and discounts while they're on the road. The mobile website works, but it's clunky on a phone, and they miss requests because nothing notifies them.

A native iOS app with push notifications for pending approvals would make a real difference.`,
		Comments: []demoComment{
			{By: "meilin", Body: "Android too, please. About half of our team is on Android."},
			{By: "tomas", Parent: 1, Body: "Of course! I only said iOS because that's what our managers carry."},
			{By: "pm", Body: "We're reviewing this together with the other mobile requests. Besides approvals, which actions do your people need most on the go?"},
			{By: "tomas", Parent: 3, Body: "Approvals, checking an account's recent activity before a meeting, and logging the call afterwards."},
		},
	},
	{
		Title: "Dashboards take more than 10 seconds to load with a year of data", Category: "performance",
		Tags: []string{"dashboards"}, By: "meilin", Votes: 9, Status: StatusInProgress,
		Body: `Dashboards covering more than a few months have become really slow for us. Some numbers from this morning:

| Date range | Widgets | Load time |
|---|---|---|
| Last 30 days | 8 | 2 s |
| Last 12 months | 8 | 11 s |
| Last 12 months | 14 | 19 s |

To reproduce:

1. Open any dashboard with 10 or more widgets
2. Change the date range to "Last 12 months"
3. Watch the spinners`,
		Comments: []demoComment{
			{By: "nadia", Body: "Same here. It's worst on Monday mornings, I assume because everyone opens their dashboards at once."},
			{By: "ravi", Body: "Could widgets load one by one instead of all waiting for the slowest?"},
			{By: "pm", Body: "Thanks for the detailed numbers, that really helps. We're pre-aggregating data for long date ranges, and widgets will load independently. Expect the first improvements within a few weeks."},
			{By: "meilin", Parent: 3, Body: "Great news. Happy to try an early version on our workspace if that's useful."},
			{By: "pm", Parent: 4, Body: "That would be very useful. We'll be in touch."},
		},
	},
	{
		Title: "Webhooks for record created, updated and deleted events", Category: "integrations",
		Tags: []string{"webhooks", "api"}, By: "ravi", Votes: 9, Status: StatusPlanned,
		Body: `Polling the API every five minutes to find changes is wasteful for both of us. Please add webhooks we can subscribe to, for example:

~~~json
{
  "event": "record.updated",
  "occurred_at": "2025-03-14T09:14:00Z",
  "record": { "type": "account", "id": "acc_123" },
  "changes": { "owner_id": ["usr_1", "usr_7"] }
}
~~~

Must-haves for us: signed payloads (HMAC), retries with backoff, and a delivery log in the admin area.`,
		Comments: []demoComment{
			{By: "jonas", Body: "Signed payloads are a must, otherwise our security team won't approve it."},
			{By: "aisha", Body: "Would this cover deletes too? Those are the changes we can't detect by polling at all."},
			{By: "ravi", Parent: 2, Body: "Good catch. Deletes are exactly why we want this."},
			{By: "pm", Parent: 2, Body: "Yes: create, update and delete are all in scope. This is planned, and we'll share the list of events for feedback before we build it."},
		},
	},
	{
		Title: "Full keyboard navigation in the data grid", Category: "accessibility",
		Tags: []string{"keyboard", "grid"}, By: "grace", Votes: 6, Status: StatusUnderReview,
		Body: `Several people on our team work with the keyboard rather than a mouse. In the data grid it's currently impossible to:

- move between cells with the arrow keys
- open a record with Enter
- reach the column menu without a mouse

The [ARIA grid pattern](https://www.w3.org/WAI/ARIA/apg/patterns/grid/) describes the expected behaviour.`,
		Comments: []demoComment{
			{By: "lee", Body: "Arrow-key navigation would speed me up a lot too, and I do use a mouse."},
			{By: "moderator", Body: "Thanks, Grace. We've passed this on to the design team for review."},
		},
	},
	{
		Title: "Screen reader descriptions for chart widgets", Category: "accessibility",
		Tags: []string{"screen-reader", "charts"}, By: "grace", Votes: 4,
		Body: `With a screen reader, chart widgets are announced as "image" and nothing else. A short text summary (title, range, highest and lowest value) and an option to view the chart as a table would make dashboards usable for our blind colleague.`,
	},
	{
		Title: "Export tables to CSV with the current filters applied", Category: "reporting",
		Tags: []string{"export", "csv"}, By: "aisha", Votes: 10, Status: StatusShipped,
		Body: `When I filter a table down to the records I need, the export button still exports *everything*. Please export exactly what I see: current filters, sort order and visible columns.`,
		Comments: []demoComment{
			{By: "sam", Body: "This one bites me every single week."},
			{By: "pm", Body: "Shipped! Exports now respect filters, sort order and visible columns. Exports above 100,000 rows are emailed to you as a download link."},
			{By: "aisha", Parent: 2, Body: "Works perfectly, thank you!"},
		},
	},
	{
		Title: "Slack notifications when a deal changes stage", Category: "integrations",
		Tags: []string{"slack", "notifications"}, By: "sam", Votes: 7,
		Body: `Our sales channel in Slack is where wins get celebrated. Posting a message when a deal moves stage (especially to *Won*) would save us from announcing it by hand, and keep managers in the loop.`,
		Comments: []demoComment{
			{By: "jonas", Body: "We'd need Microsoft Teams instead. I'll add a separate idea for it."},
			{By: "tomas", Body: "Please let us choose the channel per pipeline."},
			{By: "sam", Parent: 2, Body: "Yes! Our enterprise and SMB teams have separate channels."},
		},
	},
	{
		Title: "Offline mode in the Android app for field teams", Category: "mobile",
		Tags: []string{"android", "offline"}, By: "tomas", Votes: 5,
		Body: `Our technicians often work in basements and rural sites without signal. They need to look up account details and write visit notes offline, with everything syncing once they're back online.`,
	},
	{
		Title: "Bulk edit: change the owner or status of many records at once", Category: "general",
		Tags: []string{"bulk-actions"}, By: "nadia", Votes: 8, Status: StatusPlanned,
		Body: `When someone leaves or territories change, we reassign hundreds of records one at a time. Please let us select records in a list (or everything matching a filter) and change the owner, status or tags in one go.`,
		Comments: []demoComment{
			{By: "lee", Body: "Reassigning accounts when someone leaves takes us a whole afternoon right now."},
			{By: "pm", Body: "Planned! We'll start with owner, status and tags, and add an undo for the last bulk change."},
			{By: "nadia", Parent: 2, Body: "Undo is a great idea. Could a bulk change also show up in the audit log as a single entry?"},
			{By: "pm", Parent: 3, Body: "Yes, as one entry that lists every affected record."},
		},
	},
	{
		Title: "Custom fiscal year start for all date filters", Category: "reporting",
		Tags: []string{"dates", "finance"}, By: "jonas", Votes: 6, Status: StatusUnderReview,
		Body: `Our fiscal year starts on 1 April. "This quarter" and "This year" in every filter assume a calendar year, so our reports never line up with finance. A workspace setting for the fiscal year start would fix it.`,
	},
	{
		Title: "Stream the audit log to our SIEM (Splunk, Datadog)", Category: "integrations",
		Tags: []string{"security", "audit-log"}, By: "ravi", Votes: 4,
		Body: `Our security team wants every admin action in one place. Right now we download the audit log as CSV once a month. A continuous stream to Splunk or Datadog (or just a syslog endpoint) would satisfy our auditors.`,
	},
	{
		Title: "Pivot tables in the report builder", Category: "reporting",
		Tags: []string{"report-builder"}, By: "meilin", Votes: 7,
		Body: `Most of our ad-hoc analysis ends with "export to Excel, build a pivot table". Rows, columns and a value with sum, count or average would cover 90% of what we do there.`,
	},
	{
		Title: "Global search takes 3 to 4 seconds to show results", Category: "performance",
		Tags: []string{"search"}, By: "lee", Votes: 5,
		Body: `Typing in the search box feels sluggish: results show up three or four seconds after I stop typing. It used to be near-instant a few months ago.`,
		Comments: []demoComment{
			{By: "ravi", Body: "For us it's fast for account names but slow when the match is in a note."},
			{By: "lee", Parent: 1, Body: "Interesting. I mostly search notes, so that might be why it feels slow to me."},
		},
	},
	{
		Title: "Higher-contrast option for status badges", Category: "accessibility",
		Tags: []string{"contrast", "colour"}, By: "grace", Votes: 3,
		Body: `The pale yellow "Pending" and light green "Active" badges are hard to tell apart, especially for colleagues with colour vision deficiency. An icon or a high-contrast variant would help.`,
	},
	{
		Title: "API rate limit is too low for nightly syncs", Category: "performance",
		Tags: []string{"api", "rate-limits"}, By: "ravi", Votes: 6,
		Body: `Our nightly sync pulls about 200,000 records. At 60 requests per minute and 100 records per page it takes more than half an hour, and a single retry pushes it into business hours:

~~~
HTTP/1.1 429 Too Many Requests
Retry-After: 41
~~~

Any of these would help:

- a higher limit outside business hours
- a bulk export endpoint
- larger pages (1,000 records)`,
		Comments: []demoComment{
			{By: "meilin", Body: "A bulk export endpoint would be ideal: one request, one file."},
			{By: "moderator", Body: "Thanks, Ravi. Could you open a support ticket with your workspace ID so the team can look at your usage pattern?"},
			{By: "ravi", Parent: 2, Body: "Done, ticket opened this morning."},
		},
	},
	{
		Title: "Let admins restrict which fields each role can see", Category: "general",
		Tags: []string{"permissions", "roles"}, By: "aisha", Votes: 7,
		Body: `Contract values and discount levels should only be visible to managers and finance. Today it's all or nothing per record type. Field-level permissions per role would let us invite the whole company.`,
	},
	{
		Title: "Support Internet Explorer 11", Category: "general",
		Tags: []string{"browser-support"}, By: "lee", Votes: 2, Status: StatusDeclined,
		Body: `A few of our customers' machines are locked to Internet Explorer 11 by their IT department, and the app doesn't load there at all.`,
		Comments: []demoComment{
			{By: "pm", Body: "Thanks for raising this, Lee. Microsoft has retired Internet Explorer 11, so we won't be adding support for it. Edge's IE mode may help those machines in the meantime."},
		},
	},
	{
		Title: "Two-factor authentication with SMS codes", Category: "general",
		Tags: []string{"2fa", "security"}, By: "nadia", Votes: 3, Status: StatusDeclined,
		Body: `Not everyone on our team is comfortable with an authenticator app. Text-message codes would make it much easier to roll out two-factor authentication to everyone.`,
		Comments: []demoComment{
			{By: "jonas", Body: "Respectfully, SMS codes are easy to intercept with SIM swapping. I'd much rather see passkeys."},
			{By: "pm", Body: "We've decided not to add SMS codes, for the reasons Jonas mentions. Authenticator apps and security keys work today, and passkeys are on our roadmap. Sorry, Nadia!"},
			{By: "nadia", Parent: 2, Body: "Fair enough. Passkeys would solve our problem anyway."},
		},
	},
	{
		Title: "Microsoft Teams app with the same notifications as Slack", Category: "integrations",
		Tags: []string{"teams", "notifications"}, By: "jonas", Votes: 6,
		Body: `We're a Microsoft shop, so the Slack integration doesn't help us. A Teams app that can post to channels and send personal notifications would.`,
	},
	{
		Title: "Home-screen widgets for today's tasks", Category: "mobile",
		Tags: []string{"widgets", "ios", "android"}, By: "meilin", Votes: 3,
		Body: `A small widget showing today's tasks and meetings would save opening the app twenty times a day.`,
	},
	{
		Title: "Remember my last used filters on each dashboard", Category: "reporting",
		Tags: []string{"filters", "dashboards"}, By: "lee", Votes: 5,
		Body: `Every time I open the regional dashboard I set the same three filters again. Remembering them per person and per dashboard would be a small change with a big effect.`,
	},
	{
		Title: "Email me when someone @mentions me in a comment", Category: "general",
		Tags: []string{"mentions", "email"}, By: "tomas", Votes: 4,
		Body: `Mentions only show up in the in-app bell, which I rarely check. An email (or a daily digest) would make sure I don't miss questions from colleagues.`,
	},
	{
		Title: "Lazy-load attachments so record pages open faster", Category: "performance",
		Tags: []string{"attachments"}, By: "aisha", Votes: 2,
		Body: `Accounts with many attached PDFs take several seconds to open because every preview loads up front. Loading previews only when the attachments tab is opened would help.`,
	},
	{
		Title: "Respect the reduced-motion setting in animated charts", Category: "accessibility",
		Tags: []string{"motion", "charts"}, By: "grace", Votes: 2,
		Body: `Charts animate on every load. For people with vestibular disorders that's uncomfortable. Please honour the operating system's *reduce motion* preference.`,
	},
	{
		Title: "Import HubSpot contacts without going through CSV", Category: "integrations",
		Tags: []string{"hubspot", "import"}, By: "aisha", Votes: 5,
		Body: `We're moving from HubSpot. Exporting, cleaning and re-importing CSV files loses notes and associations. A direct importer that keeps contacts, companies and their notes together would make the switch much easier.`,
	},
	{
		Title: "Sandbox workspace for testing automations", Category: "general",
		Tags: []string{"sandbox", "automation"}, By: "ravi", Votes: 6,
		Body: `We're nervous about changing automations in production: one mistake emails hundreds of customers. A sandbox copy of our workspace (with emails disabled) would let us test changes safely.`,
	},
	{
		Title: "Year-over-year comparison on every chart", Category: "reporting",
		Tags: []string{"charts", "comparison"}, By: "nadia", Votes: 7,
		Body: `Most of our questions are "how does this compare to last year?". A toggle on each chart that overlays the same period of the previous year would answer them without building a second report.`,
		Comments: []demoComment{
			{By: "meilin", Body: "And quarter-over-quarter, please. Combined with the custom fiscal year idea, that would be perfect."},
			{By: "nadia", Parent: 1, Body: "Yes, those two go together."},
		},
	},
	{
		Title: "Log a call or meeting from the mobile app in two taps", Category: "mobile",
		Tags: []string{"calls"}, By: "tomas", Votes: 4,
		Body: `After a customer visit I want to log it right away from the car park. Today that takes a dozen taps. A quick "log activity" action that pre-fills the account from my calendar would make it painless.`,
	},
	{
		Title: "Live Google Sheets connector", Category: "integrations",
		Tags: []string{"google-sheets"}, By: "meilin", Votes: 6,
		Body: `Our finance team lives in Google Sheets. A connector that keeps a sheet in sync with a saved report would replace our weekly copy-and-paste.`,
		Comments: []demoComment{
			{By: "aisha", Body: "Would this be read-only, or would edits in the sheet flow back?"},
			{By: "meilin", Parent: 1, Body: "Read-only is plenty for us. Writing back from a spreadsheet sounds scary."},
			{By: "ravi", Parent: 2, Body: "Agreed, read-only. Otherwise someone sorts one column and breaks everything."},
		},
	},
	{
		Title: "Archive old records instead of deleting them", Category: "general",
		Tags: []string{"data-retention"}, By: "lee", Votes: 3,
		Body: `We want closed accounts out of our lists, but we can't delete them because of reporting. An archived state that hides records from lists and search, but keeps them in reports, would be ideal.`,
	},
	{
		Title: "TV mode for dashboards that refreshes and rotates", Category: "reporting",
		Tags: []string{"dashboards", "tv"}, By: "tomas", Votes: 4,
		Body: `We show dashboards on a screen in the office. A full-screen mode that refreshes every few minutes and rotates between selected dashboards would stop someone having to click through them.`,
	},
	{
		Title: "Set a default landing page per team", Category: "general",
		Tags: []string{"navigation"}, By: "sam", Votes: 1,
		Body: `Support staff should land on their queue, sales on the pipeline. Letting admins choose the start page for each team would make the app feel tailored.`,
	},
	{
		Title: "Focus indicator disappears inside modal dialogs", Category: "accessibility",
		Tags: []string{"keyboard", "focus"}, By: "aisha", Votes: 2,
		Body: `When tabbing through the "New record" dialog, the focus outline vanishes after the first field, so keyboard users can't tell where they are. See [WCAG 2.2: Focus Visible](https://www.w3.org/WAI/WCAG22/Understanding/focus-visible.html).`,
	},
	{
		Title: "Link Jira issues to customer accounts", Category: "integrations",
		Tags: []string{"jira"}, By: "ravi", Votes: 3,
		Body: `Our support team would like to see which open Jira issues affect an account, right on the account page, and our engineers which customers are waiting on an issue.`,
	},
	{
		Title: "CSV import is very slow above 50,000 rows", Category: "performance",
		Tags: []string{"import", "csv"}, By: "nadia", Votes: 4,
		Body: `Importing a 60,000-row file took over 40 minutes and the progress bar sat at 99% for most of it. Larger imports time out entirely, so we split files by hand.`,
	},
	{
		Title: "Show what's new inside the app after each release", Category: "general",
		Tags: []string{"changelog"}, By: "meilin", Votes: 1,
		Body: `We often discover new features by accident. A small "What's new" panel after each release, linking to the full release notes, would help us actually use them.`,
	},
	{
		Title: "Right-to-left layout for Arabic and Hebrew", Category: "accessibility",
		Tags: []string{"i18n", "rtl"}, By: "aisha", Votes: 3,
		Body: `Our teams in Dubai and Tel Aviv work in Arabic and Hebrew. Text displays, but the layout stays left-to-right, so tables and forms read backwards.`,
	},
	{
		Title: "Tablet layout for the iPad app", Category: "mobile",
		Tags: []string{"ipad"}, By: "grace", Votes: 2,
		Body: `On an iPad the app is just the phone layout stretched. A two-column layout with the list on the left and the record on the right would make it great for meetings.`,
	},
}
