package main

import "testing"

// Every id of 1..n is in exactly one part, whatever n and k.
func TestPartsCoverEveryIDOnce(t *testing.T) {
	for _, n := range []int64{0, 1, 2, 3, 7, 100000, 1000001} {
		for _, k := range []int64{1, 2, 3} {
			next := int64(1)
			for _, r := range parts(n, k) {
				if r[0] != next || r[1] < r[0]-1 {
					t.Fatalf("n=%d k=%d: part %v after id %d", n, k, r, next-1)
				}
				next = r[1] + 1
			}
			if next != n+1 {
				t.Fatalf("n=%d k=%d: parts end at %d", n, k, next-1)
			}
		}
	}
}
