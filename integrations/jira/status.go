package jira

import (
	"strings"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Category maps a Jira status to a tracker category. Jira has only three
// status categories (new, indeterminate, done); a done status whose name
// says the work was dropped counts as won't do.
func Category(statusName, categoryKey string) string {
	switch categoryKey {
	case "indeterminate":
		return tracker.CategoryInProgress
	case "done":
		if wontDo(statusName) {
			return tracker.CategoryWontDo
		}
		return tracker.CategoryDone
	default: // "new", "undefined" and anything unknown
		return tracker.CategoryBacklog
	}
}

func wontDo(name string) bool {
	n := strings.ToLower(strings.NewReplacer("’", "", "'", "", "-", " ", "_", " ").Replace(name))
	n = strings.Join(strings.Fields(n), " ")
	switch n {
	case "wont do", "wont fix", "declined", "rejected", "cancelled", "canceled", "not planned", "obsolete", "duplicate":
		return true
	}
	return false
}
