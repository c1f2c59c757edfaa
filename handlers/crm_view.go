package handlers

import (
	"strconv"
	"strings"
)

// money shows cents as a whole amount with thousands separators and the
// currency code: "USD 1,250,000". Demand figures are about scale, so cents
// are rounded away.
func money(cents int64, currency string) string {
	n := (cents + 50) / 100
	if cents < 0 {
		n = (cents - 50) / 100
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	return currency + " " + out
}

// crmLabels are CRM values as people read them.
var crmLabels = map[string]string{
	"nice_to_have": "Nice to have", "important": "Important", "critical": "Critical",
	"prospect": "Prospect", "customer": "Customer", "churned": "Churned",
	"link": "Linked", "vote": "Votes", "both": "Linked and votes",
	"manual": "Manual", "csv": "CSV import", "salesforce": "Salesforce", "hubspot": "HubSpot",
	"open": "Open", "won": "Won", "lost": "Lost",
	"arr": "ARR", "name": "Name", "ideas": "Ideas",
}

// crmLabel is a CRM value in words; unknown values show as they are.
func crmLabel(s string) string {
	if l, ok := crmLabels[s]; ok {
		return l
	}
	return s
}
