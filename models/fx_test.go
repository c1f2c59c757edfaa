package models_test

import (
	"testing"

	"github.com/crowdwise/crowdwise/models"
)

func TestFX(t *testing.T) {
	fx, err := models.ParseFX("usd", "EUR=1.08, gbp=1.27")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := fx.Convert(100_00, "EUR"); !ok || got != 108_00 {
		t.Fatalf("EUR 100 = %d %v, want 10800", got, ok)
	}
	if got, ok := fx.Convert(5, "USD"); !ok || got != 5 {
		t.Fatalf("USD passes through: %d %v", got, ok)
	}
	if _, ok := fx.Convert(1, "JPY"); ok {
		t.Fatal("JPY has no rate and must be flagged, not converted")
	}
	codes, rates := fx.SQLRates()
	if len(codes) != 3 || codes[0] != "USD" || rates != "{1,1.08,1.27}" {
		t.Fatalf("SQLRates = %v %s", codes, rates)
	}
	for _, bad := range []string{"EUR", "EUR=0", "EUR=-1", "EURO=1", "EUR=abc", "EUR=NaN"} {
		if _, err := models.ParseFX("USD", bad); err == nil {
			t.Errorf("ParseFX accepted %q", bad)
		}
	}
	if _, err := models.ParseFX("dollars", ""); err == nil {
		t.Error("ParseFX accepted currency \"dollars\"")
	}
}
