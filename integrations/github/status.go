package github

import (
	"strings"

	"github.com/crowdwise/crowdwise/integrations/tracker"
)

// Status returns the raw status Crowdwise shows and its category: open is
// backlog, or in progress when labelled "in progress"; closed as completed
// is done, as not planned (or duplicate) won't do. A reopened issue is open
// again, so backlog unless labelled.
func Status(state, stateReason string, labels []string) (raw, category string) {
	if state == "closed" {
		switch stateReason {
		case "not_planned", "duplicate":
			return "closed (" + strings.ReplaceAll(stateReason, "_", " ") + ")", tracker.CategoryWontDo
		default: // "completed", or none on issues closed before reasons existed
			return "closed (completed)", tracker.CategoryDone
		}
	}
	for _, l := range labels {
		if strings.EqualFold(strings.TrimSpace(l), InProgressLabel) {
			return "open (in progress)", tracker.CategoryInProgress
		}
	}
	return "open", tracker.CategoryBacklog
}
