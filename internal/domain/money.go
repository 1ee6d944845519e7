package domain

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in integer minor units (cents) of the order's currency.
// It never travels as a float: JSON accepts an integer or a decimal string
// ("12.50") and always writes an integer.
type Money int64

// UnmarshalJSON accepts 1250 or "12.50"; floats such as 12.5 are refused
// because they cannot be trusted to round-trip.
func (m *Money) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		v, err := ParseDecimal(str, 2)
		if err != nil {
			return err
		}
		*m = v
		return nil
	}
	if strings.ContainsAny(s, ".eE") {
		return fmt.Errorf("money must be integer minor units or a decimal string, not %s", s)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("money: %w", err)
	}
	*m = Money(v)
	return nil
}

// ParseDecimal parses "12.5", "-3", "0.07" into minor units with the given
// number of decimal places; more decimals than that are refused, not rounded.
func ParseDecimal(s string, places int) (Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty amount")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && !hasDot {
		return 0, fmt.Errorf("invalid amount %q", s)
	}
	if len(frac) > places {
		return 0, fmt.Errorf("amount %q has more than %d decimal places", s, places)
	}
	if hasDot && frac == "" {
		return 0, fmt.Errorf("invalid amount %q", s)
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("invalid amount %q", s)
		}
	}
	frac += strings.Repeat("0", places-len(frac))
	if intPart == "" {
		intPart = "0"
	}
	v, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid amount %q: %w", s, err)
	}
	if neg {
		v = -v
	}
	return Money(v), nil
}

// Decimal formats m with two decimal places ("12.50", "-0.07").
func (m Money) Decimal() string {
	// Work in uint64 so that the most negative value has a magnitude.
	v := uint64(m)
	sign := ""
	if m < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Commission returns the commission on amount at rate basis points
// (220 = 2.2 %), rounded half away from zero to the minor unit.
func Commission(amount Money, rateBP int) Money {
	p := int64(amount) * int64(rateBP)
	q, r := p/10000, p%10000
	if r >= 5000 {
		q++
	} else if r <= -5000 {
		q--
	}
	return Money(q)
}
