// Command devprobe times a dev loop as its user feels it: it writes a new
// version of a file and measures how long until a URL serves it. With -cmd
// it runs that shell command after each write (the loop people run by hand:
// build, then run). It prints the median and the 90th percentile in
// milliseconds, for scripts/bench.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	file := flag.String("file", "", "the file to write")
	url := flag.String("url", "", "the URL that must serve the new content")
	n := flag.Int("n", 10, "how many changes to time")
	cmd := flag.String("cmd", "", "shell command to run after each write")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up on one change after this long")
	flag.Parse()
	if *file == "" || *url == "" {
		fmt.Fprintln(os.Stderr, "usage: devprobe -file F -url U [-n N] [-cmd CMD]")
		os.Exit(2)
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var times []time.Duration
	for i := range *n {
		token := fmt.Sprintf("devprobe-%d-%d", os.Getpid(), i)
		start := time.Now()
		if err := os.WriteFile(*file, []byte(token+"\n"), 0o644); err != nil {
			fail(err)
		}
		if *cmd != "" {
			c := exec.Command("sh", "-c", *cmd)
			c.Stdout, c.Stderr = io.Discard, os.Stderr
			if err := c.Run(); err != nil {
				fail(fmt.Errorf("%s: %w", *cmd, err))
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		for !serves(ctx, client, *url, token) {
			if ctx.Err() != nil {
				fail(fmt.Errorf("%s never served change %d", *url, i))
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		times = append(times, time.Since(start))
		time.Sleep(500 * time.Millisecond) // let the loop settle between changes
	}
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("%.1f %.1f\n", ms(times[len(times)/2]), ms(times[len(times)*9/10]))
}

func serves(ctx context.Context, c *http.Client, url, token string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.Contains(string(b), token)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "devprobe:", err)
	os.Exit(1)
}
