package crm

import (
	"testing"
	"time"
)

func TestParseCents(t *testing.T) {
	ok := map[string]int64{"": 0, "0": 0, "12000.50": 1200050, "12000.5": 1200050, "7": 700, " 1.00 ": 100, "90071992547409.92": 1 << 53}
	for in, want := range ok {
		if got, err := ParseCents(in, false); err != nil || got != want {
			t.Errorf("ParseCents(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"1e5", "1E5", "-1", "-0.01", "12.345", "90071992547409.93", "$100", "1,000", "1/2", "0x10", "abc", "1.2.3", "Inf", "NaN"} {
		if got, err := ParseCents(in, false); err == nil {
			t.Errorf("ParseCents(%q) = %d, want an error", in, got)
		}
	}
	if got, err := ParseCents("3.5E7", true); err != nil || got != 3500000000 {
		t.Errorf("exponent allowed: %d %v", got, err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"42": 42 * time.Second, "": DefaultRetryAfter, "0": DefaultRetryAfter, "soon": DefaultRetryAfter,
		"Tue, 01 Dec 2026 10:02:00 GMT": 2 * time.Minute, "999999": time.Hour,
	}
	for in, want := range cases {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}
