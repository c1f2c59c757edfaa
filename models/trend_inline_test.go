package models_test

import (
	"math"
	"strings"
	"testing"

	"github.com/crowdwise/crowdwise/models/testdb"
)

// TestTrendFunctionsAreInlined: the score arithmetic every vote and comment
// runs must be inlined into the calling statement; an SQL function that is
// not (a FROM in its body, a STABLE call inside an IMMUTABLE one) is parsed
// and planned again on every call. The plan of an inlined call shows the
// arithmetic and no function name. The values are those of 00003's
// definitions, which the rest of the suite's trending tests pin.
func TestTrendFunctionsAreInlined(t *testing.T) {
	db := testdb.Open(t)
	var plan []string
	err := db.Raw(`EXPLAIN VERBOSE SELECT cw_trend_add(score, 1, now()), cw_trend_sub(score, 1, created_at), cw_trend_term(2, created_at)
		FROM ideas`).Scan(&plan).Error
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if strings.Contains(text, "cw_trend") || !strings.Contains(text, "exp(") {
		t.Errorf("the trend functions are not inlined:\n%s", text)
	}
	// Three days double a term; adding a term to an equal score adds ln 2;
	// subtracting it again takes it away.
	var got [5]float64
	err = db.Raw(`SELECT cw_trend_term(1, timestamptz '2024-01-04 00:00:00+00'), cw_trend_term(2, timestamptz '2023-12-29 00:00:00+00'),
		cw_trend_add(NULL, 1, timestamptz '2024-01-01 00:00:00+00'), cw_trend_add(0, 1, timestamptz '2024-01-01 00:00:00+00'),
		cw_trend_sub(ln(2), 1, timestamptz '2024-01-01 00:00:00+00')`).Row().Scan(&got[0], &got[1], &got[2], &got[3], &got[4])
	if err != nil {
		t.Fatal(err)
	}
	want := [5]float64{math.Ln2, 0, 0, math.Ln2, 0}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("values %v, want %v", got, want)
			break
		}
	}
}
