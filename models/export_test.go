package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// MarksSQL is marksSQL for the plan test in package models_test.
var MarksSQL = marksSQL

// HitRate is hitRate for the rate limiter's tests in package models_test.
var HitRate = hitRate

// RefreshInsightsInChunks is RefreshInsights with chunks of n ideas each.
func RefreshInsightsInChunks(ctx context.Context, db *gorm.DB, fx FX, now time.Time, n int) error {
	_, err := refreshInsights(ctx, db, fx, now, n, nil)
	return err
}
