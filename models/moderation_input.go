package models

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Moderation actions a moderator takes on queued items.
const (
	ActApprove = "approve" // pending or flagged → visible; flags resolved
	ActHide    = "hide"    // → hidden, with a reason the author sees
	ActRestore = "restore" // hidden or spam → visible
	ActSpam    = "spam"    // → spam; optionally hides the author's other content
	ActBan     = "ban"     // bans the items' authors
)

// ModerationActions lists the actions in the order the queue offers them.
var ModerationActions = []string{ActApprove, ActHide, ActRestore, ActSpam, ActBan}

// MaxBulkItems bounds one bulk action, so one request holds few row locks.
const MaxBulkItems = 100

// ItemRef names one idea or comment.
type ItemRef struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

// String is the form value of the ref: "idea:12", "comment:34".
func (r ItemRef) String() string { return r.Type + ":" + itoa(r.ID) }

// ParseItemRef reads "idea:12" or "comment:34".
func ParseItemRef(s string) (ItemRef, bool) {
	typ, id, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || (typ != TargetIdea && typ != TargetComment) {
		return ItemRef{}, false
	}
	return ItemRef{typ, n}, true
}

// ModerationInput is one staff action on one or more items.
type ModerationInput struct {
	Action string
	Items  []ItemRef
	// Reason is shown to the author (hide, spam) or the banned member (ban).
	Reason string
	// AlsoHideAuthor, with spam, hides every other visible or pending post
	// of the items' authors too.
	AlsoHideAuthor bool
	// Until ends a ban; Permanent must be set instead for a permanent one,
	// so a forgotten date never bans someone for ever.
	Until     *time.Time
	Permanent bool
}

func (in *ModerationInput) validate() error {
	v := &ValidationError{}
	in.Reason = strings.TrimSpace(strings.ReplaceAll(in.Reason, "\r\n", "\n"))
	in.Action = strings.TrimSpace(in.Action)
	switch {
	case in.Action == "":
		v.Add("action", "Choose an action to apply.") // there is no default: the moderator decides
	case !slices.Contains(ModerationActions, in.Action):
		v.Add("action", "Choose one of: "+strings.Join(ModerationActions, ", ")+".")
	}
	seen := map[ItemRef]bool{}
	items := in.Items[:0:0]
	for _, it := range in.Items {
		if (it.Type != TargetIdea && it.Type != TargetComment) || it.ID <= 0 {
			v.Add("items", "Items are ideas or comments with positive ids.")
		} else if !seen[it] {
			seen[it] = true
			items = append(items, it)
		}
	}
	in.Items = items
	switch {
	case len(in.Items) == 0:
		v.Add("items", "Select at least one item.")
	case len(in.Items) > MaxBulkItems:
		v.Add("items", "Select at most "+itoa(MaxBulkItems)+" items at a time.")
	}
	validateReason(v, "reason", in.Reason, in.Action == ActHide || in.Action == ActBan)
	if in.Action == ActBan {
		switch {
		case in.Permanent && in.Until != nil:
			v.Add("until", "Choose an end date or a permanent ban, not both.")
		case !in.Permanent && in.Until == nil:
			v.Add("until", "Choose when the ban ends, or make it permanent.")
		case in.Until != nil && !in.Until.After(time.Now()):
			v.Add("until", "The ban must end in the future.")
		}
	}
	return v.Err()
}

// ItemState is an idea's or comment's moderation state after an action.
type ItemState struct {
	Type             string `json:"type"`
	ID               int64  `json:"id"`
	IdeaID           int64  `json:"idea_id"`
	AuthorID         int64  `json:"author_id"`
	Moderation       string `json:"moderation"`
	ModerationReason string `json:"moderation_reason"`
	FlagsResolved    int64  `json:"flags_resolved"`
}

// ModerationResult reports what an action changed.
type ModerationResult struct {
	Items  []ItemState `json:"items"`  // the selected items
	Hidden int         `json:"hidden"` // other posts hidden with AlsoHideAuthor
	Banned []int64     `json:"banned"` // members banned
}
