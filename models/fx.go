package models

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// FX converts account money into one reporting currency. Rates say how many
// units of Currency one unit of another currency is worth ("EUR=1.08" with
// USD reporting: 1 EUR = 1.08 USD). An amount in a currency without a rate
// is left out of sums and flagged, never guessed.
type FX struct {
	Currency string
	Rates    map[string]float64
}

// ParseFX reads CROWDWISE_CURRENCY and CROWDWISE_FX ("EUR=1.08,GBP=1.27").
func ParseFX(currency, spec string) (FX, error) {
	fx := FX{Currency: strings.ToUpper(strings.TrimSpace(currency)), Rates: map[string]float64{}}
	if fx.Currency == "" {
		fx.Currency = "USD"
	}
	if !isCurrencyCode(fx.Currency) {
		return fx, fmt.Errorf("%q is not a three-letter currency code", currency)
	}
	for _, part := range strings.Split(spec, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		code, rate, ok := strings.Cut(part, "=")
		code = strings.ToUpper(strings.TrimSpace(code))
		r, err := strconv.ParseFloat(strings.TrimSpace(rate), 64)
		if !ok || !isCurrencyCode(code) || err != nil || r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return fx, fmt.Errorf("%q is not CODE=rate with a positive rate", part)
		}
		fx.Rates[code] = r
	}
	return fx, nil
}

func isCurrencyCode(s string) bool {
	return len(s) == 3 && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// Rate is the factor from code to the reporting currency, and whether one
// is known.
func (fx FX) Rate(code string) (float64, bool) {
	if code == fx.Currency || code == "" {
		return 1, true
	}
	r, ok := fx.Rates[code]
	return r, ok
}

// Convert turns cents in code into reporting-currency cents, rounded.
func (fx FX) Convert(cents int64, code string) (int64, bool) {
	r, ok := fx.Rate(code)
	if !ok {
		return 0, false
	}
	return int64(math.Round(float64(cents) * r)), true
}

// SQLRates returns parallel arrays of codes and rates (the reporting
// currency at 1) for SQL that joins on
// unnest(CAST(? AS text[]), CAST(? AS float8[])) — values, never SQL text.
func (fx FX) SQLRates() (codes Tags, rates string) {
	codes = Tags{fx.Currency}
	rs := []string{"1"}
	keys := make([]string, 0, len(fx.Rates))
	for k := range fx.Rates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == fx.Currency {
			continue
		}
		codes = append(codes, k)
		rs = append(rs, strconv.FormatFloat(fx.Rates[k], 'g', -1, 64))
	}
	return codes, "{" + strings.Join(rs, ",") + "}"
}
