#!/bin/sh
# install-deps.sh PACKAGE...: install the Debian packages that are missing.
# As root it runs apt-get; otherwise it prints the exact line to run.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all present ($*)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages; as root run:"
	echo "  apt-get install -y$missing"
	exit 1
fi
echo "deps: installing$missing"
apt-get update -qq &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
