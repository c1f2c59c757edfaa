package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
)

// deferredSchema is what a bulk load takes off the big tables and puts back
// afterwards, the way pg_restore does: building an index or validating a
// foreign key once over the finished table is many times faster than
// maintaining it row by row. Definitions are read from the catalog, so the
// schema ends up exactly as the migrations made it.
type deferredSchema struct {
	keys    []string // ALTER TABLE … ADD CONSTRAINT (primary keys, unique)
	indexes []string // CREATE INDEX …
	fks     []string // ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY
}

// dropForLoad removes foreign keys touching tables, then their primary and
// unique keys, then their other indexes, and returns how to restore them.
func dropForLoad(ctx context.Context, db *pgxpool.Pool, tables []string) (*deferredSchema, error) {
	d := &deferredSchema{}
	collect := func(dst *[]string, drops *[]string, sql string) error {
		rows, err := db.Query(ctx, sql, tables)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var create, drop string
			if err := rows.Scan(&create, &drop); err != nil {
				return err
			}
			*dst = append(*dst, create)
			*drops = append(*drops, drop)
		}
		return rows.Err()
	}
	var drops []string
	steps := []struct {
		dst *[]string
		sql string
	}{
		// Every foreign key from or to one of the tables, even ones added by
		// later migrations, since their keys go away below.
		{&d.fks, `SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)),
				format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname)
			FROM pg_constraint WHERE contype = 'f'
				AND (conrelid::regclass::text = ANY($1) OR confrelid::regclass::text = ANY($1))
			ORDER BY oid`},
		{&d.keys, `SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)),
				format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname)
			FROM pg_constraint WHERE contype IN ('p', 'u') AND conrelid::regclass::text = ANY($1)
			ORDER BY oid`},
		{&d.indexes, `SELECT pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass)
			FROM pg_index i
			WHERE i.indrelid::regclass::text = ANY($1)
				AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
			ORDER BY i.indexrelid`},
	}
	for _, s := range steps {
		// Collect each kind after the previous kind is dropped: a key's index
		// only stops counting as a constraint index once the key is gone.
		drops = drops[:0]
		if err := collect(s.dst, &drops, s.sql); err != nil {
			return nil, err
		}
		for _, sql := range drops {
			if _, err := db.Exec(ctx, sql); err != nil {
				return nil, fmt.Errorf("%s: %w", sql, err)
			}
		}
	}
	return d, nil
}

// restore puts keys and indexes back two at a time (the machine has two
// cores and index builds are mostly CPU), then validates foreign keys one
// by one: two of them on the same table would only wait for each other's lock.
func (d *deferredSchema) restore(ctx context.Context, db *pgxpool.Pool) error {
	if err := parallel(ctx, db, 2, d.keys); err != nil {
		return err
	}
	if err := parallel(ctx, db, 2, d.indexes); err != nil {
		return err
	}
	return parallel(ctx, db, 1, d.fks)
}

// parallel runs independent statements on up to n connections.
func parallel(ctx context.Context, db *pgxpool.Pool, n int, stmts []string) error {
	work := make(chan string)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sql := range work {
				if _, err := db.Exec(ctx, sql); err != nil {
					errs <- fmt.Errorf("%s: %w", sql, err)
					return
				}
			}
		}()
	}
	var err error
feed:
	for _, sql := range stmts {
		select {
		case work <- sql:
		case err = <-errs:
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err == nil && len(errs) > 0 {
		err = <-errs
	}
	return err
}
