#!/usr/bin/env bash
# Set up ngspice 46 (Debian bookworm-backports, built with KLU) for the speed comparison of
# benchmarks/bench_vs_ngspice.py, next to (not instead of) the system's ngspice, which the golden
# tests use: the .deb is fetched with apt through a private sources list and state directory
# (the machine's apt configuration is not touched) and unpacked with `dpkg -x` into
# benchmarks/_ngspice46/ (ignored by git). Its spinit loads the code models unpacked with it.
#
# Usage: bash benchmarks/setup_ngspice46.sh     -> prints the path of the ngspice 46 wrapper
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/_ngspice46"
version="${NGSPICE46_VERSION:-46+ds-1~bpo12+1}"
wrapper="$dest/ngspice"
if [ -x "$wrapper" ] && "$wrapper" -v 2>/dev/null | grep -q "ngspice-46"; then
  echo "$wrapper"
  exit 0
fi
apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dest/deb"
echo "deb http://deb.debian.org/debian bookworm-backports main" > "$apt_dir/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
      -o "APT::Sandbox::User=root")
apt-get "${opts[@]}" update -qq >&2
(cd "$dest/deb" && apt-get "${opts[@]}" download "ngspice=$version" >&2)
rm -rf "$dest/root"
dpkg -x "$dest/deb/ngspice_${version//:/%3a}_amd64.deb" "$dest/root"
libdir="$dest/root/usr/lib/x86_64-linux-gnu/ngspice"
scripts="$dest/root/usr/share/ngspice/scripts"
sed -i "s#/usr/lib/x86_64-linux-gnu/ngspice#$libdir#" "$scripts/spinit"
cat > "$wrapper" <<WRAP
#!/bin/sh
# ngspice 46 from bookworm-backports, unpacked by setup_ngspice46.sh
SPICE_SCRIPTS="$scripts" exec "$dest/root/usr/bin/ngspice" "\$@"
WRAP
chmod +x "$wrapper"
"$wrapper" -v | head -n 3 >&2
echo "$wrapper"
