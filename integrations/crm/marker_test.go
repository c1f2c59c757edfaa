package crm

import "testing"

func TestHasMarkerMatchesTheWholeMarkerOnly(t *testing.T) {
	const m = "crowdwise-writeback: 12"
	for text, want := range map[string]bool{
		"x\n\ncrowdwise-writeback: 12":                     true,
		"<p>crowdwise-writeback: 12</p>":                   true,
		"crowdwise-writeback: 123":                         false,
		"crowdwise-writeback: 123 crowdwise-writeback: 12": true,
		"crowdwise-writeback: 1":                           false,
		"":                                                 false,
	} {
		if got := HasMarker(text, m); got != want {
			t.Errorf("HasMarker(%q) = %v, want %v", text, got, want)
		}
	}
	if HasMarker("anything", "") {
		t.Error("an empty marker matched")
	}
}
