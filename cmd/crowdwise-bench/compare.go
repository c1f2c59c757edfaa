package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// compare prints two or more result files side by side, the smallest
// community first, with each endpoint's idle latency and req/s at the
// largest size against the smallest: flat with size means a ratio near 1.
func compare(paths []string) error {
	if len(paths) < 2 {
		return fmt.Errorf("compare needs two or more result files")
	}
	var reps []*report
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var r report
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		reps = append(reps, &r)
	}
	first, last := reps[0], reps[len(reps)-1]
	head := fmt.Sprintf("%-26s", "endpoint")
	for _, r := range reps {
		head += fmt.Sprintf(" | %s ideas: req/s · p99 · idle", thousands(r.Dataset.Ideas))
	}
	fmt.Println("\n" + head + " | idle ratio | req/s ratio")
	fmt.Println(strings.Repeat("-", len(head)+28))
	for _, e := range first.Endpoints {
		line := fmt.Sprintf("%-26s", e.Name)
		var a, z *endpointResult
		for i, r := range reps {
			x := r.endpoint(e.Name)
			if x == nil {
				line += fmt.Sprintf(" | %-33s", "-")
				continue
			}
			if i == 0 {
				a = x
			}
			if r == last {
				z = x
			}
			line += fmt.Sprintf(" | %8.1f · %8s · %8s      ", x.RequestsPerSec, fmtMs(x.P99Ms), fmtMs(x.IdleMs))
		}
		if a != nil && z != nil && a.IdleMs > 0 && a.RequestsPerSec > 0 {
			line += fmt.Sprintf(" | ×%.2f      | ×%.2f", z.IdleMs/a.IdleMs, z.RequestsPerSec/a.RequestsPerSec)
		}
		fmt.Println(line)
	}
	for _, r := range reps {
		if r.Ceiling != nil {
			fmt.Printf("ceiling at %s ideas: %.1f req/s (bare Echo, %d bytes)\n", thousands(r.Dataset.Ideas), r.Ceiling.RequestsPerSec, r.Ceiling.Bytes)
		}
	}
	fmt.Println("idle ratio: idle latency at the largest size over the smallest (flat with size is ≤ 1.5)")
	return nil
}

func (r *report) endpoint(name string) *endpointResult {
	for i := range r.Endpoints {
		if r.Endpoints[i].Name == name {
			return &r.Endpoints[i]
		}
	}
	return nil
}

// thousands writes n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
