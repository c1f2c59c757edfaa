// Package tracker holds what every issue-tracker connector (Jira, GitHub,
// Linear) shares: the item a tracker holds for an idea, the input to create
// one, the interface the backlog code calls, inbound webhook events and the
// typed errors both directions return.
package tracker

import (
	"context"
	"fmt"
	"strconv"
)

// Status categories a tracker's raw status maps to. Triage counts as backlog.
const (
	CategoryBacklog    = "backlog"
	CategoryInProgress = "in_progress"
	CategoryDone       = "done"
	CategoryWontDo     = "wont_do"
)

// Item is one issue in a tracker as Crowdwise sees it.
type Item struct {
	ExternalID string // the tracker's stable id (Jira issue id, GitHub issue id, Linear UUID)
	Key        string // what people type: PROJ-123, owner/repo#45, ENG-12
	URL        string // the page for people (not the API URL)
	Status     string // the tracker's raw status name, e.g. "In Review"
	Category   string // one of the Category constants
}

// CreateInput is what an idea puts into a new tracker issue.
type CreateInput struct {
	IdeaID      int64
	Title       string
	Description string // plain text / Markdown; each connector converts it
	IdeaURL     string // link back to the idea
	Votes       int
	ARRAtStake  string // formatted, e.g. "$120,000"; empty when unknown
	TopAccounts []string
}

// Tracker is one configured connector. Every call goes through the guarded
// outbound client; errors are the typed ones below (or *outbound.RefusedError
// wrapped, when the policy refuses the destination).
type Tracker interface {
	// Provider is "jira", "github" or "linear".
	Provider() string
	// Create makes a new issue carrying the idea's Marker.
	Create(ctx context.Context, in CreateInput) (Item, error)
	// FindByMarker returns the issue already carrying the idea's marker, or
	// nil when there is none: called before Create so a job retried after a
	// crash adopts the issue it made instead of making a second one.
	FindByMarker(ctx context.Context, ideaID int64) (*Item, error)
	// Get reads one issue by key or URL (linking an existing issue, polling).
	Get(ctx context.Context, keyOrURL string) (Item, error)
	// ParseKey turns a key or an issue URL typed by staff into the canonical
	// key, or returns a *InvalidKeyError.
	ParseKey(keyOrURL string) (string, error)
}

// Marker is the line every created issue carries so it can be found again.
func Marker(ideaID int64) string { return "crowdwise-idea: " + strconv.FormatInt(ideaID, 10) }

// Label is the per-idea label where a tracker searches labels better than text.
func Label(ideaID int64) string { return "crowdwise-idea-" + strconv.FormatInt(ideaID, 10) }

// CommonLabel is put on every issue Crowdwise creates.
const CommonLabel = "crowdwise"

// InvalidKeyError says why a typed key or URL is not one of this tracker's.
// Reason may be shown to staff as is.
type InvalidKeyError struct{ Reason string }

func (e *InvalidKeyError) Error() string { return "tracker: invalid key: " + e.Reason }

// InvalidKey returns an *InvalidKeyError with a formatted reason.
func InvalidKey(format string, args ...any) error {
	return &InvalidKeyError{Reason: fmt.Sprintf(format, args...)}
}
