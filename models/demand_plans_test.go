package models_test

import (
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

// An idea's demand evaluates the demand view — every voter's accounts, the
// whole cost of the answer for an idea with tens of thousands of votes —
// once: the open opportunities come with each account's row instead of
// from a second pass over the view. The figures stay those of
// TestDemandCountsEachAccountOnceAndFlagsUnknownCurrency.
func TestDemandReadsTheDemandViewOnce(t *testing.T) {
	f := newDemandFixture(t)
	f.vote(t, f.alice)
	f.vote(t, f.carl)
	db, rec := recorded(f.db)
	rec.take()
	d, err := models.IdeaDemand(ctx, db, f.fx, f.idea.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.OpenOpportunities != 3 || d.PipelineAtStakeCents != 25_000_00+1_100_00 {
		t.Errorf("%d open opportunities worth %d, want 3 worth %d", d.OpenOpportunities, d.PipelineAtStakeCents, 25_000_00+1_100_00)
	}
	n := 0
	for _, s := range statementsOf(rec.take()) {
		n += strings.Count(s.sql, "idea_account_demand")
	}
	if n != 1 {
		t.Errorf("the demand view is read %d times, want once", n)
	}
}
