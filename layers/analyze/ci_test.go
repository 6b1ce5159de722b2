package analyze_test

import (
	"errors"
	"testing"

	"github.com/berth-dev/berth/layers/analyze"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]uint64{
		"20MB": 20_000_000, "20 MiB": 20 << 20, "1.5kB": 1500, "512": 512, "2GiB": 2 << 30, "3k": 3000, "1,000 B": 1000,
	} {
		if got, err := analyze.ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "20XB", "-3MB"} {
		if _, err := analyze.ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q) succeeded", in)
		}
	}
}

func TestRules(t *testing.T) {
	res := &analyze.Result{Efficiency: 0.85, WastedBytes: 30_000_000, WastedUserPercent: 0.05}
	r, err := analyze.ParseRules("0.9", "20MB", "0.1")
	if err != nil {
		t.Fatal(err)
	}
	results, pass := r.Evaluate(res)
	got := ""
	for _, x := range results {
		got += x.Name + "=" + x.Status + " "
	}
	if pass || got != "highestUserWastedPercent=pass highestWastedBytes=fail lowestEfficiency=fail " {
		t.Errorf("evaluate = %v %s", pass, got)
	}
	r, err = analyze.ParseRules("disabled", "off", "0.1")
	if err != nil {
		t.Fatal(err)
	}
	if results, pass := r.Evaluate(res); !pass || results[1].Status != "skip" || results[2].Status != "skip" {
		t.Errorf("disabled rules: %v %+v", pass, results)
	}
	for _, bad := range [][3]string{{"1.2", "", ""}, {"", "", "-0.1"}, {"", "lots", ""}, {"x", "", ""}} {
		if _, err := analyze.ParseRules(bad[0], bad[1], bad[2]); !errors.Is(err, analyze.ErrBadThreshold) {
			t.Errorf("ParseRules%q: %v, want ErrBadThreshold", bad, err)
		}
	}
}
