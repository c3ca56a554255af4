#!/usr/bin/env bash
# Why: the site and its browser tests use a few third-party files (htmx, Pico
# CSS, axe-core). We keep them in the tree, unmodified, pinned and checksummed
# in scripts/vendor.lock, so the site needs no CDN and a changed file is caught.
#
#   scripts/vendor.sh           refetch every pinned file from the npm registry,
#                               fail if any checksum differs from the lock
#   scripts/vendor.sh --check   verify the files in the tree against the lock (no network)
#   scripts/vendor.sh --update  refetch and rewrite the checksums in the lock
#                               (to upgrade: edit package@version in the lock first)
#
# Lock lines: <path in repo>  <sha256>  <package@version>  <path in package>
#
# VENDOR_LOCK=scripts/tools.lock selects another lock: the test tools too big
# to keep in the tree (the Nu HTML Checker), fetched into build/ the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=${VENDOR_LOCK:-scripts/vendor.lock}
mode=${1:-fetch}

die() { echo "vendor.sh: $*" >&2; exit 1; }
[[ -f $lock ]] || die "$lock is missing"
entries() { grep -Ev '^[[:space:]]*(#|$)' "$lock"; }

case $mode in
  --check)
    # sha256sum -c wants "<sum>  <file>"
    entries | awk '{ print $2 "  " $1 }' | sha256sum --check --quiet --strict \
      || die "vendored files differ from $lock (run 'make vendor' to refetch)"
    exit 0 ;;
  fetch|--update) ;;
  *) die "usage: $0 [--check|--update]" ;;
esac

command -v npm >/dev/null || die "npm is needed to fetch the vendored files (Debian package: npm)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Download each pinned package once; npm checks the tarball's registry integrity.
declare -A tarball
while read -r _ _ pkg _; do
  [[ -n ${tarball[$pkg]:-} ]] && continue
  name=$(cd "$tmp" && npm pack "$pkg" --silent --loglevel=error) || die "npm pack $pkg failed"
  tarball[$pkg]=$tmp/$name
done < <(entries)

# Extract only the listed files and compare them with the lock.
new_lock=$tmp/vendor.lock
grep -E '^[[:space:]]*#' "$lock" > "$new_lock" || true
bad=0 n=0
while read -r dest sum pkg src; do
  n=$((n + 1))
  out=$tmp/files/$n
  mkdir -p "$out"
  tar -xzf "${tarball[$pkg]}" -C "$out" "package/$src" || die "$pkg has no $src"
  got=$(sha256sum "$out/package/$src" | cut -d' ' -f1)
  if [[ $mode == fetch && $got != "$sum" ]]; then
    echo "vendor.sh: CHECKSUM MISMATCH $pkg $src: lock $sum, fetched $got" >&2
    bad=1
  fi
  printf '%s  %s  %s  %s\n' "$dest" "$got" "$pkg" "$src" >> "$new_lock"
done < <(entries)
((bad == 0)) || die "refusing to install files that differ from $lock"

# All good: put the files in place (and the new lock, for --update).
n=0
while read -r dest _ _ src; do
  n=$((n + 1))
  install -D -m 644 "$tmp/files/$n/package/$src" "$dest"
done < <(entries)
if [[ $mode == --update ]]; then
  cp "$new_lock" "$lock"
  echo "vendor.sh: rewrote $lock"
fi
echo "vendor.sh: $n files fetched and verified"
