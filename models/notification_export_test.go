package models

// Exported for the external tests in notification_test.go, which cannot
// live in package models: testdb imports models, so an internal test that
// imports testdb would be an import cycle.

var (
	NotifyStatusChange = notifyStatusChange
	NotifyMerged       = notifyMerged
	NotifyHidden       = notifyHidden
)
