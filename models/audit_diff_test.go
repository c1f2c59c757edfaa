package models_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

func TestAuditChangesReadAsADiff(t *testing.T) {
	long := strings.Repeat("x", 300)
	cases := []struct {
		name, target  string
		before, after string
		want          []string
	}{
		{"role", "user", `{"role":"member"}`, `{"role":"product_manager"}`, []string{"role: Member → Product manager"}},
		{"category update", "category", `{"slug":"x","name":"A","description":"","position":0}`, `{"slug":"x","name":"B","description":"","position":3}`,
			[]string{"name: A → B", "position: 0 → 3"}},
		{"hide", "idea", `{"moderation":"visible","moderation_reason":""}`, `{"moderation":"hidden","moderation_reason":"Spam","flags_resolved":2}`,
			[]string{"flags resolved: — → 2", "moderation: visible → hidden", "moderation reason: (empty) → Spam"}},
		{"first ban", "user", `null`, `{"user_id":3,"until":null,"reason":"Spam","created_by":1,"created_at":"2026-01-02T03:04:05.123Z"}`,
			[]string{"reason: — → Spam", "until: — → never"}},
		{"unban", "user", `{"user_id":3,"until":"2030-01-31T12:00:00Z","reason":"Spam"}`, ``,
			[]string{"reason: Spam → —", "until: 2030-01-31 12:00 UTC → —"}},
		{"settings (Go field names)", "site_settings", `{"ID":1,"IdeasPerHour":5,"FirstPostApproval":false,"UpdatedAt":"2026-01-01T00:00:00Z"}`,
			`{"ID":1,"IdeasPerHour":10,"FirstPostApproval":true,"UpdatedAt":"2026-01-02T00:00:00Z"}`,
			[]string{"first post approval: no → yes", "ideas per hour: 5 → 10"}},
		{"status", "idea", `{"status":"open"}`, `{"status":"under_review","note":"Looking","release_note":""}`,
			[]string{"note: — → Looking", "release note: — → (empty)", "status: Open → Under review"}},
		{"structures and long text", "idea", `{"merged_into_id":null}`, `{"merged_into_id":7,"undo":{"votes":[1,2]},"text":"` + long + `"}`,
			[]string{"merged into id: none → 7", "text: — → " + strings.Repeat("x", 199) + "…", `undo: — → {"votes":[1,2]}`}},
		{"not an object", "idea", `"old"`, `"new"`, []string{"value: old → new"}},
		{"nothing changed", "category", `{"name":"A"}`, `{"name":"A"}`, nil},
	}
	for _, c := range cases {
		row := models.AuditRow{TargetType: c.target, Before: json.RawMessage(c.before), After: json.RawMessage(c.after)}
		var got []string
		for _, ch := range row.Changes() {
			got = append(got, fmt.Sprintf("%s: %s → %s", ch.Field, ch.Old, ch.New))
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s:\n got  %q\n want %q", c.name, got, c.want)
		}
	}
}
