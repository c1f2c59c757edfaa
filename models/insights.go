package models

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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
	ComputedAt    time.Time
}

// LoadInsights computes the insights for a validated filter (product
// managers and admins only). Each chart is one SQL aggregate. With a fresh
// snapshot (RefreshInsights), demand comes from its rollup and the default
// view's other charts from the snapshot itself; without one, all is live.
func LoadInsights(ctx context.Context, db *gorm.DB, actor *User, fx FX, f InsightsFilter) (*Insights, error) {
	if !actor.HasRole(RoleProductManager) {
		return nil, Forbidden("Only product managers and admins can see insights.")
	}
	if fx.Currency == "" {
		fx.Currency = "USD" // as ParseFX defaults
	}
	out := &Insights{Filter: f, Currency: fx.Currency, ComputedAt: time.Now()}
	// One read-only transaction, so every chart sees the same data. The
	// planner's estimates through the demand view are far too high, which
	// would make it spend seconds compiling JIT code for a query that runs
	// in a fraction of that; and the aggregates need more than the default
	// work_mem not to spill to disk at 100k ideas.
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET TRANSACTION READ ONLY`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`SET LOCAL jit = off`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`SET LOCAL work_mem = '64MB'`).Error; err != nil {
			return err
		}
		snap, err := freshInsightsSnapshot(ctx, tx)
		if err != nil {
			return err
		}
		var fromSnap *insightsSnapshotData
		if snap != nil {
			// The rollup is as fresh as the snapshot: the page's time is
			// that of its oldest numbers.
			f.rollup = true
			out.ComputedAt = snap.ComputedAt
			if snap.isDefault(f) {
				d, err := snap.data()
				if err != nil {
					return err
				}
				fromSnap = &d
			}
		}
		if out.Gaps, err = currencyGaps(ctx, tx, fx); err != nil {
			return err
		}
		if fromSnap != nil && fromSnap.FXKey == fx.key() {
			out.TopARR = fromSnap.TopARR
		} else if out.TopARR, err = topByARR(ctx, tx, fx, f); err != nil {
			return err
		}
		out.Segments = segmentNames(out.TopARR)
		if out.TopVotes, err = topByVotes(ctx, tx, fx, f); err != nil {
			return err
		}
		if fromSnap != nil {
			out.Weekly, out.Concentration, out.Statuses, out.Cycle = fromSnap.Weekly, fromSnap.Concentration, fromSnap.Statuses, fromSnap.Cycle
			return nil
		}
		if out.Weekly, err = weeklyActivity(ctx, tx, f); err != nil {
			return err
		}
		if out.Concentration, err = concentration(ctx, tx, f); err != nil {
			return err
		}
		if out.Statuses, err = statusCounts(ctx, tx, f); err != nil {
			return err
		}
		out.Cycle, err = cycleTimes(ctx, tx, f)
		return err
	})
	if isStatementTimeout(err) {
		// Too big to compute while the person waits: the default view is
		// kept by the background rebuild, which this asks for (at most one
		// is queued), so it is ready on a later visit.
		if qerr := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return QueueInsightsRefresh(ctx, tx) }); qerr != nil {
			return nil, qerr
		}
		return nil, &Problem{Kind: ErrUnavailable, Message: "These insights take too long to compute while you wait. " +
			"The unfiltered page is prepared in the background and is being prepared now: check back in a few minutes, or narrow the filters."}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// isStatementTimeout is PostgreSQL's "canceling statement due to statement
// timeout" (the connection's statement_timeout, DB_STATEMENT_TIMEOUT).
func isStatementTimeout(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "57014"
}
