package handlers

import (
	"errors"
	"testing"
	"time"

	"github.com/crowdwise/crowdwise/models"
)

func TestInsightsCacheKeepsPerFilterForItsTTL(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	c := newInsightsCache(2*time.Minute, 2)
	c.now = func() time.Time { return now }
	loads := 0
	load := func() (*models.Insights, error) { loads++; return &models.Insights{}, nil }
	day := now.Truncate(24 * time.Hour)
	all := models.InsightsFilter{To: day}
	smb := models.InsightsFilter{To: day, Segment: "SMB"}
	get := func(f models.InsightsFilter) {
		t.Helper()
		if _, err := c.get(f, load); err != nil {
			t.Fatal(err)
		}
	}
	get(all)
	get(all)
	if loads != 1 {
		t.Fatalf("%d loads for the same filter twice, want 1", loads)
	}
	get(smb)
	if loads != 2 {
		t.Fatalf("another filter shared an entry (%d loads)", loads)
	}
	now = now.Add(2 * time.Minute)
	get(all)
	if loads != 3 {
		t.Fatalf("an expired entry was served (%d loads)", loads)
	}
	if _, err := c.get(models.InsightsFilter{To: day, CategoryID: 7}, func() (*models.Insights, error) { return nil, errors.New("db down") }); err == nil {
		t.Fatal("a load error was swallowed")
	}
	get(models.InsightsFilter{To: day, CategoryID: 7})
	if loads != 4 || len(c.entries) > 2 {
		t.Fatalf("after an error: %d loads, %d entries (max 2)", loads, len(c.entries))
	}
}
