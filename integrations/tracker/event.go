package tracker

// Event is one verified inbound webhook about an issue.
type Event struct {
	// DeliveryID is the tracker's id of this delivery, for replay detection
	// (X-Atlassian-Webhook-Identifier, X-GitHub-Delivery, Linear-Delivery).
	DeliveryID string
	ExternalID string // matches Item.ExternalID
	Key        string // matches Item.Key
	Deleted    bool   // the issue was deleted; Item holds what is known
	Item       Item   // the state after the change
}
