package supervisor

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// rssOfBinary is the resident memory, in KiB, of this process's read-only
// mappings of its own executable (libraries, which other processes map
// too, and the data it wrote, left out).
func rssOfBinary(t *testing.T) int {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	total, ours := 0, false
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-"):
			ours = len(fields) >= 6 && fields[5] == self && !strings.Contains(fields[1], "w")
		case ours && len(fields) == 3 && fields[0] == "Rss:":
			n, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
	}
	return total
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
	// A test binary fresh from the linker may still have dirty pages in
	// the page cache, which a page-out cannot drop until written back.
	if self, err := os.Executable(); err == nil {
		if f, err := os.Open(self); err == nil {
			f.Sync()
			f.Close()
		}
	}
	before := rssOfBinary(t)
	trimMemory()
	after := rssOfBinary(t)
	t.Logf("resident memory of the binary: %d KiB before, %d KiB after", before, after)
	// What runs after the page-out (this test reading smaps) faults some
	// of it back in.
	if before-after < 1024 {
		t.Fatalf("trimming paged out %d of the binary's %d KiB, want at least 1 MiB", before-after, before)
	}
}
