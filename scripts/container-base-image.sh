#!/usr/bin/env bash
# Makes a local stand-in for python:3.13-slim where no image registry can be reached but
# Debian's package mirror can: a minimal Debian root from debootstrap plus this machine's own
# Python (pyenv) in /usr/local, imported under the official name so that the Dockerfile's
# FROM finds it (with --pull=never). Anywhere a registry is reachable, pull the real image.
# Needs root, debootstrap and pyenv. Usage: scripts/container-base-image.sh [podman args...]
set -euo pipefail

IMAGE=docker.io/library/python:3.13-slim
PODMAN=(podman "$@")
PY_PREFIX=$(pyenv prefix "$(cat "$(dirname "$0")/../.python-version")")
MIRROR=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

root=$(mktemp -d /tmp/python-slim-root.XXXXXX)
trap 'rm -rf "$root"' EXIT

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "installing debootstrap (Debian's package)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
echo "debootstrap bookworm from $MIRROR"
debootstrap --variant=minbase \
  --include=libssl3,libsqlite3-0,libffi8,libbz2-1.0,liblzma5,libreadline8,zlib1g,ca-certificates,libncursesw6,libgdbm6,libuuid1 \
  bookworm "$root" "$MIRROR" >/dev/null

echo "Python from $PY_PREFIX"
# The interpreter and its standard library; the test suite, IDLE, Tk, the static library and
# whatever this machine's own site-packages hold stay out (pip alone goes in).
tar -C "$PY_PREFIX" -cf - \
  --exclude=lib/python3.13/test --exclude=lib/python3.13/idlelib \
  --exclude=lib/python3.13/tkinter --exclude='lib/python3.13/config-*' \
  --exclude=lib/python3.13/site-packages --exclude='*.pyc' \
  bin lib include | tar -C "$root/usr/local" -xf -
mkdir -p "$root/usr/local/lib/python3.13/site-packages"
cp -a "$PY_PREFIX"/lib/python3.13/site-packages/pip "$PY_PREFIX"/lib/python3.13/site-packages/pip-*.dist-info \
  "$root/usr/local/lib/python3.13/site-packages/"
echo /usr/local/lib > "$root/etc/ld.so.conf.d/usr-local.conf"
chroot "$root" ldconfig
ln -sf python3.13 "$root/usr/local/bin/python"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
chroot "$root" /usr/local/bin/python -c "import ssl, sqlite3, ctypes; print('python ok')"

echo "import as $IMAGE"
tar -C "$root" -cf - . | "${PODMAN[@]}" import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$IMAGE" >/dev/null
"${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%s: %.0f MB\n", "'"$IMAGE"'", $1/1e6}'
