package supervisor

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// ProcStartTime reads when process pid started, in clock ticks since boot
// (field 22 of /proc/<pid>/stat). With the pid it names one process for good:
// a pid that was reused belongs to a process with another start time.
func ProcStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: the fields
	// after it start past the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 {
		return 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	return strconv.ParseUint(string(f[19]), 10, 64) // field 22 is the 20th after the name
}
