package models

import (
	"context"

	"gorm.io/gorm"
)

// Insights is everything the product insights page shows, for one filter.
// Money is in cents of Currency.
type Insights struct {
	Filter   InsightsFilter
	Currency string
	// Gaps are the currencies without an exchange rate: those accounts'
	// ARR is left out of every sum, and the page says so.
	Gaps          []CurrencyGap
	TopARR        []IdeaSegments
	TopVotes      []InsightIdea
	Segments      []string // the segments in TopARR's demand, in stacking order
	Weekly        []WeekActivity
	Concentration Concentration
	Statuses      []StatusCount
	Cycle         CycleTimes
}

// LoadInsights computes the insights for a validated filter (product
// managers and admins only). Each chart is one SQL aggregate.
func LoadInsights(ctx context.Context, db *gorm.DB, actor *User, fx FX, f InsightsFilter) (*Insights, error) {
	if !actor.HasRole(RoleProductManager) {
		return nil, Forbidden("Only product managers and admins can see insights.")
	}
	if fx.Currency == "" {
		fx.Currency = "USD" // as ParseFX defaults
	}
	out := &Insights{Filter: f, Currency: fx.Currency}
	var err error
	if out.Gaps, err = currencyGaps(ctx, db, fx); err != nil {
		return nil, err
	}
	if out.TopARR, err = topByARR(ctx, db, fx, f); err != nil {
		return nil, err
	}
	out.Segments = segmentNames(out.TopARR)
	if out.TopVotes, err = topByVotes(ctx, db, fx, f); err != nil {
		return nil, err
	}
	if out.Weekly, err = weeklyActivity(ctx, db, f); err != nil {
		return nil, err
	}
	if out.Concentration, err = concentration(ctx, db, f); err != nil {
		return nil, err
	}
	if out.Statuses, err = statusCounts(ctx, db, f); err != nil {
		return nil, err
	}
	if out.Cycle, err = cycleTimes(ctx, db, f); err != nil {
		return nil, err
	}
	return out, nil
}
