package linear

import "github.com/crowdwise/crowdwise/integrations/tracker"

// Category maps a workflow state's type to a tracker category.
func Category(stateType string) string {
	switch stateType {
	case "started":
		return tracker.CategoryInProgress
	case "completed":
		return tracker.CategoryDone
	case "canceled", "duplicate":
		return tracker.CategoryWontDo
	default: // triage, backlog, unstarted
		return tracker.CategoryBacklog
	}
}
