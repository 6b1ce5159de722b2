# Shared by berth's scripts: find or install Go, install Debian packages that
# are missing, build the binary. Source it; it changes nothing by itself.

BERTH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# berth links statically (see engine/runner/nsenter); these tags keep name
# and user lookups in Go, so that no glibc function that wants shared
# libraries at run time is linked.
BERTH_TAGS=netgo,osusergo

# ensure_go puts a Go toolchain on PATH. A machine with /usr/local/go uses it;
# a fresh Debian machine gets Debian's golang-go, and Go's own toolchain
# switching (GOTOOLCHAIN=auto, through the module proxy) fetches the version
# go.mod names. The runner's nsenter constructor is C, so cgo needs a compiler
# and the C library headers.
ensure_go() {
	export PATH="$PATH:/usr/local/go/bin:/root/go/bin"
	ensure_pkgs gcc libc6-dev
	if ! command -v go >/dev/null; then
		ensure_pkgs golang-go
	fi
	export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}
	go version >/dev/null || { echo "berth: no usable Go toolchain (need Go 1.21 or later to fetch go1.26)" >&2; exit 1; }
}

# ensure_pkgs installs the Debian packages among its arguments that are not
# installed yet.
ensure_pkgs() {
	local need=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
	done
	((${#need[@]})) || return 0
	echo "installing: ${need[*]}" >&2
	if [ -z "${BERTH_APT_UPDATED:-}" ]; then
		apt-get update -qq >/dev/null
		export BERTH_APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# build_berth builds the berth binary into $BERTH_TOP/bin/berth and prints its path.
build_berth() {
	(cd "$BERTH_TOP" && go build -tags "$BERTH_TAGS" -o bin/berth .) >&2 || exit 1
	echo "$BERTH_TOP/bin/berth"
}
