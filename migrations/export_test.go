package migrations

import (
	"context"
	"database/sql"
)

// UpTo applies migrations up to version v, for tests of one migration's
// data changes.
func UpTo(ctx context.Context, db *sql.DB, v int64) error {
	p, err := provider(db, nil)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, v)
	return err
}
