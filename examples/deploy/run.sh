#!/usr/bin/env bash
# Deploy tour: a real model server, v1 deployed healthy, a broken v2 deployed, health fails, and mreg
# rolls back to v1 on its own. Run it with `bash examples/deploy/run.sh` from the repository root.
# MREG_EXAMPLE_PORT changes the port (default 8765, as in the README's playbook); MREG_EXAMPLE_WINDOW and
# MREG_EXAMPLE_INTERVAL the monitor window (5s) and the health/monitor polling interval (1s).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PORT="${MREG_EXAMPLE_PORT:-8765}"
WINDOW="${MREG_EXAMPLE_WINDOW:-5s}"
INTERVAL="${MREG_EXAMPLE_INTERVAL:-1s}"
mreg() { node "$ROOT/bin/mreg.js" "$@"; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mreg-deploy.XXXXXX")"
SERVER_PID=''
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain" >&2; }

mreg init >&2
cat >> .modelreg/config.yaml <<YAML
targets:
  prod:
    adapter: local
    options: { dir: ./deploy }
    playbook: prod.yaml        # in .modelreg/playbooks/
    stage: production
  canary:
    adapter: local
    options: { dir: ./canary }
    playbook: canary.yaml
YAML
mkdir -p .modelreg/playbooks
# A canary: the new version takes 10% of traffic. The local adapter keeps both releases and writes
# canary/routes.json beside canary/current, for a server to route by.
cat > .modelreg/playbooks/canary.yaml <<YAML
deploy:
  - deploy: {}
  - route: 10%
rollback:
  - deploy: {}
YAML
cat > .modelreg/playbooks/prod.yaml <<YAML
deploy:
  - deploy: {}
  - health: { http: "http://127.0.0.1:$PORT/health", expect_status: 200, timeout: 2s, retries: 5, interval: $INTERVAL }
  - monitor: { window: $WINDOW, interval: $INTERVAL, failure_threshold: 1, checks: [ { http: "http://127.0.0.1:$PORT/health", expect_status: 200 } ] }
rollback:
  - deploy: {}
  - health: { http: "http://127.0.0.1:$PORT/health", expect_status: 200, timeout: 2s, retries: 5, interval: $INTERVAL }
  - notify: { command: ["sh", "-c", "echo \"rolled back \$MREG_MODEL to \$MREG_VERSION\" >> alerts.log"] }
YAML

node "$ROOT/examples/deploy/server.mjs" "$WORK/deploy" "$PORT" &
SERVER_PID=$!

mkdir -p v1 v2
echo '{"version": "1.0.0", "weight": 2}' > v1/model.json
echo '{"version": "2.0.0", "broken": true}' > v2/model.json
mreg register fraud v1 --version 1.0.0 -m "good model" >&2
mreg register fraud v2 --version 2.0.0 -m "broken model" >&2

step "mreg promote fraud@1.0.0 staging && mreg deploy fraud@1.0.0 --target prod"
mreg promote fraud@1.0.0 staging >&2
mreg deploy fraud@1.0.0 --target prod
curl_predict() { node -e "fetch('http://127.0.0.1:$PORT/predict?x=21').then(r => r.text()).then(t => console.log(t))"; }
step "GET /predict?x=21"
curl_predict

step "mreg promote fraud@2.0.0 staging && mreg deploy fraud@2.0.0 --target prod   # broken: watch it roll back"
mreg promote fraud@2.0.0 staging >&2
if mreg deploy fraud@2.0.0 --target prod; then
  echo "the broken version deployed: that should not happen" >&2
  exit 1
fi

step "GET /predict?x=21   # v1 answers again"
curl_predict
step "cat alerts.log"
cat alerts.log
step "mreg status fraud --target prod"
mreg status fraud --target prod
step "mreg history fraud"
mreg history fraud >&2

mkdir -p v3
echo '{"version": "3.0.0", "weight": 3}' > v3/model.json
mreg register fraud v3 --version 3.0.0 -m "the next model" >&2
step "mreg deploy fraud@1.0.0 --target canary && mreg deploy fraud@3.0.0 --target canary   # 10% to 3.0.0"
mreg deploy fraud@1.0.0 --target canary
mreg deploy fraud@3.0.0 --target canary
step "cat canary/routes.json"
cat canary/routes.json
