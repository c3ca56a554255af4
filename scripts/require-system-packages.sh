#!/usr/bin/env bash
# Why: the browser journeys need Chromium, the markup test needs Java for the
# Nu HTML Checker, the PostgreSQL run needs the server binaries, and the
# slow-client test runs nginx with the configuration in docs/deployment.md; none comes
# from pip. As root on Debian we install what
# is missing, otherwise we say exactly which Debian packages to install.
set -euo pipefail

# Debian 12 has nginx-light; Debian 13 folded it into nginx.
nginx_package=nginx-light
if command -v apt-cache >/dev/null && ! apt-cache show nginx-light >/dev/null 2>&1; then
  nginx_package=nginx
fi

find_missing() {
  missing=()
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  command -v java >/dev/null || missing+=(default-jre-headless)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  [[ -x /usr/sbin/nginx ]] || missing+=("$nginx_package")
}
find_missing
((${#missing[@]} == 0)) && exit 0

if ((EUID == 0)) && command -v apt-get >/dev/null; then
  echo "require-system-packages.sh: installing ${missing[*]}" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
  find_missing
  ((${#missing[@]} == 0)) && exit 0
fi

for pkg in "${missing[@]}"; do
  echo "require-system-packages.sh: missing Debian package '$pkg'" >&2
done
echo "require-system-packages.sh: install them with: sudo apt-get install ${missing[*]}" >&2
exit 1
