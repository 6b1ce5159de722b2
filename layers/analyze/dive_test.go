package analyze_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/layers/analyze"
	. "github.com/berth-dev/berth/layers/analyze/analyzetest"
)

// diveBinary finds wagoodman/dive, the peer whose figures berth reproduces.
func diveBinary(t *testing.T) string {
	if p, err := exec.LookPath("dive"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", "dive")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("dive is not installed (go install github.com/wagoodman/dive/cmd/dive@latest); skipping the comparison with it")
	return ""
}

// diveFigures runs dive's CI mode on a docker archive and returns its
// efficiency, wasted bytes and user wasted percent lines and its
// inefficient files, sorted.
func diveFigures(t *testing.T, dive, archive string) (summary string, files []string) {
	t.Helper()
	cmd := exec.Command(dive, "--ci", "--source", "docker-archive", archive)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "CI=true")
	out, _ := cmd.Output() // dive exits 1 when its default rules fail
	text := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(string(out), "")
	var lines []string
	inFiles := false
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 2 && (f[0] == "efficiency:" || f[0] == "wastedBytes:" || f[0] == "userWastedPercent:"):
			lines = append(lines, f[0]+" "+f[1])
		case strings.HasPrefix(l, "Inefficient Files:"):
			inFiles = true
		case strings.HasPrefix(l, "Evaluation:"):
			inFiles = false
		case inFiles && len(f) >= 4 && f[0] != "Count":
			files = append(files, f[0]+" "+f[1]+" "+f[2]+" "+f[3])
		}
	}
	if len(lines) != 3 {
		t.Fatalf("cannot read dive's output:\n%s", out)
	}
	slices.Sort(files)
	return strings.Join(lines, "\n"), files
}

// berthFigures formats berth's analysis as dive prints it.
func berthFigures(res *analyze.Result) (summary string, files []string) {
	user := "0"
	if res.WastedBytes > 0 {
		user = fmt.Sprintf("%.2f", res.WastedUserPercent*100)
	}
	summary = fmt.Sprintf("efficiency: %.2f\nwastedBytes: %d\nuserWastedPercent: %s", res.Efficiency*100, res.WastedBytes, user)
	for _, in := range res.Inefficiencies {
		files = append(files, fmt.Sprintf("%d %s %s", in.Count, humanBytes(uint64(in.Size)), in.Path))
	}
	slices.Sort(files)
	return summary, files
}

func humanBytes(n uint64) string {
	if n < 10 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"B", "kB", "MB", "GB"}
	f, i := float64(n), 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	f = float64(int64(f*10+0.5)) / 10
	if f < 10 {
		return fmt.Sprintf("%.1f %s", f, units[i])
	}
	return fmt.Sprintf("%.0f %s", f, units[i])
}

// randomLayers builds layers of random adds, rewrites, file and directory
// removals, opaque directories and missing parent headers, removing only
// what is there (dive stops counting a layer at a whiteout of nothing).
func randomLayers(seed uint64, n int) []Layer {
	r := rand.New(rand.NewPCG(seed, 7))
	present := map[string]bool{} // paths as dive's stacked tree has them
	var layers []Layer
	for li := 0; li < n; li++ {
		var files []File
		seen := map[string]bool{}
		var removals []string
		for k := 0; k < 40; k++ {
			d := fmt.Sprintf("d%d/s%d", r.IntN(4), r.IntN(3))
			p := fmt.Sprintf("%s/f%d", d, r.IntN(6))
			switch op := r.IntN(10); {
			case op < 7 || li == 0:
				if seen[p] || seen[d] {
					continue
				}
				if r.IntN(2) == 0 && !seen[d+"/"] {
					files = append(files, Dir(d+"/"))
					seen[d+"/"] = true
				}
				files = append(files, Reg(p, int64(r.IntN(5000))))
				seen[p] = true
			case op < 9:
				if present[p] && !seen[p] && !seen[d] {
					files = append(files, Whiteout(d, filepath.Base(p)))
					seen[p] = true
					removals = append(removals, p)
				}
			default:
				if present[d] && !seen[d] && !seen[d+"/"] {
					if r.IntN(2) == 0 {
						files = append(files, Whiteout(filepath.Dir(d), filepath.Base(d)))
						removals = append(removals, d)
					} else {
						files = append(files, Dir(d+"/"), Opaque(d))
					}
					seen[d], seen[d+"/"] = true, true
				}
			}
		}
		for _, f := range files {
			if !strings.Contains(f.Name, ".wh.") {
				for p := strings.TrimSuffix(f.Name, "/"); p != "."; p = filepath.Dir(p) {
					present[p] = true
				}
			}
		}
		for _, rm := range removals {
			for p := range present {
				if p == rm || strings.HasPrefix(p, rm+"/") {
					delete(present, p)
				}
			}
		}
		layers = append(layers, Layer{Command: fmt.Sprintf("layer %d", li), Files: files})
	}
	return layers
}

func TestSameFiguresAsDive(t *testing.T) {
	dive := diveBinary(t)
	images := map[string]string{"fixture": writeFixture(t)}
	for seed := uint64(1); seed <= 4; seed++ {
		p := filepath.Join(t.TempDir(), fmt.Sprintf("random-%d.tar", seed))
		if err := WriteDockerArchive(p, "random:latest", randomLayers(seed, 4)); err != nil {
			t.Fatal(err)
		}
		images[fmt.Sprintf("random-%d", seed)] = p
	}
	for name, p := range images {
		t.Run(name, func(t *testing.T) {
			wantSum, wantFiles := diveFigures(t, dive, p)
			gotSum, gotFiles := berthFigures(analyseArchive(t, &analyze.Analyzer{}, p))
			if gotSum != wantSum {
				t.Errorf("berth:\n%s\ndive:\n%s", gotSum, wantSum)
			}
			if !slices.Equal(gotFiles, wantFiles) {
				t.Errorf("inefficient files:\nberth %q\ndive  %q", gotFiles, wantFiles)
			}
			if len(wantFiles) == 0 && name != "fixture" {
				t.Logf("no inefficiencies in %s", name)
			}
		})
	}
}
