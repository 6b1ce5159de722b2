package analyze

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Rules are the thresholds of dive's CI mode. A disabled rule is nil.
type Rules struct {
	// LowestEfficiency fails an image whose efficiency is below it.
	LowestEfficiency *float64
	// HighestWastedBytes fails an image that wastes more bytes.
	HighestWastedBytes *uint64
	// HighestUserWastedPercent fails an image whose WastedUserPercent is above it.
	HighestUserWastedPercent *float64
}

// ParseRules reads thresholds as dive's .dive-ci does: fractions in [0, 1],
// byte counts like "20MB" (SI) or "20MiB", and "disabled", "off", "false" or
// "" to turn a rule off.
func ParseRules(lowestEfficiency, highestWastedBytes, highestUserWastedPercent string) (Rules, error) {
	var r Rules
	var err error
	if r.LowestEfficiency, err = parseFraction("lowest-efficiency", lowestEfficiency); err != nil {
		return r, err
	}
	if r.HighestUserWastedPercent, err = parseFraction("highest-user-wasted-percent", highestUserWastedPercent); err != nil {
		return r, err
	}
	if !disabled(highestWastedBytes) {
		n, err := ParseBytes(highestWastedBytes)
		if err != nil {
			return r, fmt.Errorf("highest-wasted-bytes %q: %w", highestWastedBytes, err)
		}
		r.HighestWastedBytes = &n
	}
	return r, nil
}

func disabled(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "disabled", "off", "false":
		return true
	}
	return false
}

func parseFraction(name, v string) (*float64, error) {
	if disabled(v) {
		return nil, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f > 1 || math.IsNaN(f) {
		return nil, fmt.Errorf("%s %q: %w: want a fraction from 0 to 1", name, v, ErrBadThreshold)
	}
	return &f, nil
}

// ParseBytes reads a size the way dive's CI rules do (go-humanize's
// ParseBytes): "20MB" is 20,000,000 bytes, "20MiB" 20,971,520.
func ParseBytes(s string) (uint64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' && r != ',' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(num, ",", ""), 64)
	if err != nil {
		return 0, ErrBadThreshold
	}
	mult := map[string]float64{
		"": 1, "b": 1,
		"k": 1e3, "kb": 1e3, "ki": 1 << 10, "kib": 1 << 10,
		"m": 1e6, "mb": 1e6, "mi": 1 << 20, "mib": 1 << 20,
		"g": 1e9, "gb": 1e9, "gi": 1 << 30, "gib": 1 << 30,
		"t": 1e12, "tb": 1e12, "ti": 1 << 40, "tib": 1 << 40,
	}[unit]
	if mult == 0 {
		return 0, ErrBadThreshold
	}
	v := f * mult
	if v >= math.MaxUint64 {
		return 0, ErrBadThreshold
	}
	return uint64(v), nil
}

// RuleResult is the outcome of one rule.
type RuleResult struct {
	// Name is dive's key: lowestEfficiency, highestWastedBytes or highestUserWastedPercent.
	Name string
	// Status is "pass", "fail" or "skip" (disabled).
	Status string
	// Message says why a rule failed, or its threshold.
	Message string
}

// Evaluate checks an analysis against the rules, in dive's order of keys.
// It reports whether every enabled rule passed.
func (r Rules) Evaluate(res *Result) ([]RuleResult, bool) {
	pass := true
	var out []RuleResult
	add := func(name string, enabled, failed bool, msg, threshold string) {
		switch {
		case !enabled:
			out = append(out, RuleResult{name, "skip", "disabled"})
		case failed:
			pass = false
			out = append(out, RuleResult{name, "fail", msg})
		default:
			out = append(out, RuleResult{name, "pass", threshold})
		}
	}
	if t := r.HighestUserWastedPercent; t != nil {
		add("highestUserWastedPercent", true, res.WastedUserPercent > *t,
			fmt.Sprintf("too many bytes wasted, relative to the user bytes added (%%-user-wasted-bytes=%2.2f > threshold=%v)", res.WastedUserPercent, *t),
			fmt.Sprint(*t))
	} else {
		add("highestUserWastedPercent", false, false, "", "")
	}
	if t := r.HighestWastedBytes; t != nil {
		add("highestWastedBytes", true, res.WastedBytes > *t,
			fmt.Sprintf("too many bytes wasted (wasted-bytes=%d > threshold=%d)", res.WastedBytes, *t),
			fmt.Sprint(*t))
	} else {
		add("highestWastedBytes", false, false, "", "")
	}
	if t := r.LowestEfficiency; t != nil {
		add("lowestEfficiency", true, res.Efficiency < *t,
			fmt.Sprintf("image efficiency is too low (efficiency=%2.2f < threshold=%v)", res.Efficiency, *t),
			fmt.Sprint(*t))
	} else {
		add("lowestEfficiency", false, false, "", "")
	}
	return out, pass
}
