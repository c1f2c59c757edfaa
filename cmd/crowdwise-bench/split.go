package main

import (
	"context"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// loadParts is how many connections fill a big table at once: the
// machine has two cores, and one INSERT … SELECT uses one (computing the
// rows' generated full-text and plain-text columns is most of the work).
const loadParts = 2

// split runs fn over loadParts consecutive, disjoint id ranges covering
// 1..n at the same time and adds up the rows they wrote. Each part is its
// own statement, so a table is filled by both cores; parts touch disjoint
// rows, so they never wait for each other.
func (g *generator) split(ctx context.Context, n int64, fn func(ctx context.Context, lo, hi int64) (int64, error)) (int64, error) {
	var total atomic.Int64
	eg, ctx := errgroup.WithContext(ctx)
	for _, r := range parts(n, loadParts) {
		lo, hi := r[0], r[1]
		eg.Go(func() error {
			rows, err := fn(ctx, lo, hi)
			total.Add(rows)
			return err
		})
	}
	err := eg.Wait()
	return total.Load(), err
}

// parts divides 1..n into k consecutive ranges [lo, hi] of nearly equal
// size (an empty one, lo > hi, when n < k).
func parts(n, k int64) [][2]int64 {
	out := make([][2]int64, k)
	for p := range k {
		out[p] = [2]int64{n*p/k + 1, n * (p + 1) / k}
	}
	return out
}
