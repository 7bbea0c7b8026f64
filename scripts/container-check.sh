#!/usr/bin/env bash
# `make container-check`: build the image with podman, run it as compose.yaml does (a one-off
# migrate, then web with two uvicorn workers and the task worker, sharing a media volume)
# against this machine's PostgreSQL and Redis over the host network, and walk through the
# app over HTTP (scripts/container_smoke.py). Everything it starts is removed on the way
# out, also when a step fails. Exits non-zero at the first failure.
#
# Settings (environment): CONTAINER_CHECK_PORT (8090), CONTAINER_CHECK_POSTGRES
# (postgres://postgres@127.0.0.1:5432), CONTAINER_CHECK_DB (playground_container_check:
# dropped and created afresh), CONTAINER_CHECK_REDIS_URL (redis://127.0.0.1:6379/14).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${CONTAINER_CHECK_PORT:-8090}
POSTGRES=${CONTAINER_CHECK_POSTGRES:-postgres://postgres@127.0.0.1:5432}
DB=${CONTAINER_CHECK_DB:-playground_container_check}
REDIS_URL=${CONTAINER_CHECK_REDIS_URL:-redis://127.0.0.1:6379/14}
IMAGE=localhost/nexconn-playground:check
BASE=docker.io/library/python:3.13-slim
NAME=playground-check
PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=python3

started=$SECONDS
step() { printf '\n== [%3ds] %s\n' $((SECONDS - started)) "$*"; }
fail() { echo "container-check: $*" >&2; exit 1; }

command -v podman >/dev/null || fail "podman is not installed (apt-get install -y podman runc)"

cleanup() {
  status=$?
  if [ "$status" -ne 0 ]; then
    for role in web worker; do
      echo "--- last lines of the $role container's log"
      podman logs --tail 40 "$NAME-$role" 2>&1 || true
    done
  fi
  step "clean up"
  podman rm --force --ignore --volumes --time 5 "$NAME-web" "$NAME-worker" "$NAME-migrate" >/dev/null 2>&1 || true
  podman volume rm --force "$NAME-media" >/dev/null 2>&1 || true
  dropdb --if-exists --force --maintenance-db "$POSTGRES/postgres" "$DB" 2>/dev/null || true
  rm -f "${conf:-}" "${build_log:-}" "${podman_log:-}"
  if [ "$status" -eq 0 ]; then
    echo "container-check: passed in $((SECONDS - started)) s"
  else
    echo "container-check: FAILED after $((SECONDS - started)) s" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "base image $BASE"
if ! podman image exists "$BASE"; then
  # Where no image registry can be reached, a stand-in is made from Debian's packages.
  podman pull --quiet "$BASE" 2>/dev/null || scripts/container-base-image.sh
fi

step "podman settings"
if ! podman run --rm --pull=never --network host "$BASE" true >/dev/null 2>&1; then
  # A sandbox that forbids setting ulimits and has no systemd: runc, cgroupfs, no ulimits.
  conf=$(mktemp)
  printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\nruntime = "runc"\n' >"$conf"
  export CONTAINERS_CONF=$conf
  podman run --rm --pull=never --network host "$BASE" true || fail "podman cannot run a container here"
  echo "restricted host: runc, cgroupfs, no default ulimits ($CONTAINERS_CONF)"
else
  echo "podman's defaults work"
fi
podman rm --force --ignore --volumes --time 5 "$NAME-web" "$NAME-worker" "$NAME-migrate" >/dev/null 2>&1 || true
podman volume rm --force "$NAME-media" >/dev/null 2>&1 || true

step "build $IMAGE"
# This machine's pip configuration (a package mirror, a CA bundle), read-only, so that the
# build installs from where this machine does; nothing of it stays in the image.
mounts=()
while IFS= read -r path; do
  [ -e "$path" ] && mounts+=(--volume "$path:$path:ro")
done < <("$PYTHON" - <<'EOF'
import os, re, ssl, subprocess, sys
debug = subprocess.run([sys.executable, "-m", "pip", "config", "debug"], capture_output=True, text=True).stdout
paths = set(re.findall(r"^\s+(/\S+), exists: True", debug, re.M))
for value in re.findall(r"^\s+\S+: (.+)$", debug, re.M) + re.findall(r"^\s+PIP_\w+='(.+)'", debug, re.M):
    for word in value.split():
        word = word.removeprefix("file://").removesuffix("/simple")
        if word.startswith("/"):
            paths.add(word)
paths.add(ssl.get_default_verify_paths().cafile or "")
print("\n".join(sorted(p for p in paths if p)))
EOF
)
build_started=$SECONDS
build_log=$(mktemp)
# --format docker keeps the HEALTHCHECK (the OCI format has none).
podman build --pull=never --network host --format docker "${mounts[@]}" \
  --tag "$IMAGE" . >"$build_log" 2>&1 || { tail -n 40 "$build_log"; fail "the build failed"; }
podman image inspect --format '{{.Size}}' "$IMAGE" |
  awk -v s=$((SECONDS - build_started)) '{printf "built in %d s, %.0f MB\n", s, $1 / 1e6}'

step "database $DB (fresh) and Redis $REDIS_URL"
PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists --force --maintenance-db "$POSTGRES/postgres" "$DB"
createdb --maintenance-db "$POSTGRES/postgres" "$DB"
app_env=(
  --env SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')"
  --env ALLOWED_HOSTS=127.0.0.1,localhost
  --env DATABASE_URL="$POSTGRES/$DB"
  --env REDIS_URL="$REDIS_URL"
  --env CACHE_URL="$REDIS_URL"
  --env REDIS_KEY_PREFIX="$NAME-$$"
  --env NEXCONN_API_KEY=  # demo mode
)
# The probes are run by this script when it needs them: no health timers (they need systemd).
run=(podman run --pull=never --network host --health-interval disable "${app_env[@]}"
  --volume "$NAME-media:/data/media")

step "migrate (one-off container)"
"${run[@]}" --rm --no-healthcheck --name "$NAME-migrate" "$IMAGE" python manage.py migrate --noinput | tail -n 1

step "web (2 uvicorn workers) and task worker"
# podman 4.3 still tries to set a timer for the image's HEALTHCHECK and says it cannot
# without systemd: that goes to a log, shown if starting fails.
podman_log=$(mktemp)
"${run[@]}" --detach --name "$NAME-web" --env WEB_CONCURRENCY=2 --env UVICORN_PORT="$PORT" \
  "$IMAGE" >/dev/null 2>"$podman_log" || { cat "$podman_log"; fail "web did not start"; }
"${run[@]}" --detach --name "$NAME-worker" \
  --health-cmd "python manage.py worker_health" \
  "$IMAGE" python manage.py db_worker --interval 0.5 --no-reload >/dev/null
waited=$SECONDS
until "$PYTHON" -c "import urllib.request as r; r.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" 2>/dev/null; do
  [ $((SECONDS - waited)) -lt 90 ] || fail "web did not answer /healthz within 90 s"
  sleep 1
done
echo "web answered /healthz after $((SECONDS - waited)) s"
podman exec "$NAME-web" id -un | grep -qx playground || fail "web does not run as the playground user"
podman healthcheck run "$NAME-web" || fail "web: its HEALTHCHECK fails"
podman healthcheck run "$NAME-worker" || fail "worker: manage.py worker_health fails"
echo "both healthy, running as the non-root user"

step "walk through the app over HTTP"
"$PYTHON" scripts/container_smoke.py "http://127.0.0.1:$PORT"
podman healthcheck run "$NAME-worker" || fail "worker: unhealthy after the job"
