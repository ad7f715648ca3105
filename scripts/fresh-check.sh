#!/bin/sh
# fresh-check.sh: run the README's two commands in a minimal Debian 12 root, as a newcomer would.
#
# Builds a `debootstrap --variant=minbase bookworm` root (cached as a tarball in $FRESH_DIR),
# puts a clean copy of the committed tree (git archive HEAD: what a clone holds) in /root/aura,
# and runs the commands of the README's "The two commands" block there, as root, with an empty
# environment (POSIX locale, no LANG). Needs root, the Debian mirror and the npm registry.
# Uncommitted changes are not tested: commit first.
#
# FRESH_EXTRA_CA: PEM files (space-separated) added to the root's trust store before anything
# is installed, for a network behind a TLS-intercepting proxy; a real fresh machine needs none.
set -eu

root_dir=$(cd "$(dirname "$0")/.." && pwd)
FRESH_DIR=${FRESH_DIR:-$root_dir/build/fresh}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=$FRESH_DIR/minbase-bookworm.tar
chroot_dir=$FRESH_DIR/root

[ "$(id -u)" = 0 ] || { echo "fresh-check: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null ||
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap; }

mkdir -p "$FRESH_DIR"
if [ ! -f "$base" ]; then
	echo "fresh-check: debootstrap --variant=minbase bookworm ($MIRROR)"
	rm -rf "$FRESH_DIR/base"
	debootstrap --variant=minbase bookworm "$FRESH_DIR/base" "$MIRROR" >"$FRESH_DIR/debootstrap.log" 2>&1 ||
		{ tail -20 "$FRESH_DIR/debootstrap.log" >&2; exit 2; }
	tar -C "$FRESH_DIR/base" -cf "$base.tmp" . && mv "$base.tmp" "$base"
	rm -rf "$FRESH_DIR/base"
fi

# The README's commands: the lines of the ```sh block after "## The two commands", without comments.
commands=$(awk '/^## The two commands/ { sec = 1; next }
	sec && /^```sh/ { blk = 1; next }
	blk && /^```/ { exit }
	blk { sub(/[ \t]+#.*$/, ""); if (length($0)) print }' "$root_dir/README.md")
[ -n "$commands" ] || { echo "fresh-check: no commands found in README.md" >&2; exit 2; }

rm -rf "$chroot_dir" && mkdir -p "$chroot_dir"
tar -C "$chroot_dir" -xf "$base"
cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
# ca-certificates, once `make deps` installs it, adds these to the bundle npm trusts.
for ca in ${FRESH_EXTRA_CA:-}; do
	mkdir -p "$chroot_dir/usr/local/share/ca-certificates"
	cp "$ca" "$chroot_dir/usr/local/share/ca-certificates/$(basename "$ca" .crt).crt"
done
mkdir -p "$chroot_dir/root/aura"
git -C "$root_dir" archive HEAD | tar -C "$chroot_dir/root/aura" -xf -
# Each command as written, with how long it took.
printf '%s\n' "$commands" | while IFS= read -r line; do
	printf 'echo "fresh-check: \\$ %s"\nstart=$(date +%%s)\n%s\necho "fresh-check: took $(( $(date +%%s) - start )) s"\n' \
		"$line" "$line"
done >"$chroot_dir/root/readme-commands.sh"
echo "fresh-check: running the README's commands in $chroot_dir:"
printf '  %s\n' "$commands"

# A private mount namespace: /proc, /dev and /tmp for the chroot vanish with it.
status=0
unshare --mount --fork sh -c '
	set -e
	r=$1
	mount -t proc proc "$r/proc"
	mount --rbind /dev "$r/dev"
	mount -t tmpfs tmpfs "$r/tmp"
	exec chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -ec "cd /root/aura && . /root/readme-commands.sh"
' sh "$chroot_dir" || status=$?
if [ $status -eq 0 ]; then echo "fresh-check: passed"; else echo "fresh-check: FAILED (exit $status)" >&2; fi
exit $status
