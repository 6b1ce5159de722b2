package supervisor

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// rssFile is this process's resident memory backed by files, in KiB.
func rssFile(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Skip("this kernel does not report RssFile")
	return 0
}

func TestTrimMemoryPagesOutTheBinary(t *testing.T) {
	page, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(page)
	if err := unix.Madvise(page, unix.MADV_PAGEOUT); err == unix.EINVAL {
		t.Skip("the kernel has no MADV_PAGEOUT (Linux 5.4)")
	}
	before := rssFile(t)
	trimMemory()
	after := rssFile(t)
	t.Logf("file-backed resident memory: %d KiB before, %d KiB after", before, after)
	if after >= before/2 {
		t.Fatalf("trimming kept %d of %d KiB of file-backed pages resident", after, before)
	}
}
