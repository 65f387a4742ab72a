#!/usr/bin/env bash
# A tour of mreg in a temporary directory: init, register two versions, show, ls, verify, export.
# Run it with `npm run example` from the repository root.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
mreg() { node "$ROOT/bin/mreg.js" "$@"; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mreg-quickstart.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain" >&2; }

step mreg init
mreg init

# A "trained model": weights and a config file, plus the metadata a training run knows. The weights
# are random bytes after a zero byte (random bytes could, rarely, look like a pickle, which register refuses).
mkdir -p model
{ printf '\0'; head -c 1048575 /dev/urandom; } > model/weights.bin
echo '{"layers": [64, 32], "activation": "relu"}' > model/config.json
cat > meta.yaml <<'YAML'
params: {learning_rate: 0.001, epochs: 20, batch_size: 256}
metrics: {auc: 0.912, f1: 0.871}
data: {name: transactions, version: 2.1.0, hash: "sha256:9f2c4e"}
pipeline: {name: fraud-features, version: 1.4.0}
framework: {pytorch: "2.3.1", python: "3.11"}
training: {duration_s: 5400, compute: {gpus: 1, gpu_type: A10G}, cost: {usd: 1.8}}
requirements: {memory: 2Gi, cpu: "1"}
YAML

step mreg register fraud model --change minor --meta meta.yaml -m "first model"
mreg register fraud model --change minor --meta meta.yaml -m "first model"

step "mreg register fraud model --change minor --meta meta.yaml   # again: nothing changed"
mreg register fraud model --change minor --meta meta.yaml

# Retrain: new weights and a better metric make a patch release.
{ printf '\0'; head -c 1048575 /dev/urandom; } > model/weights.bin
step mreg register fraud model --change patch --meta meta.yaml --metric auc=0.921 -m "retrained on March data"
mreg register fraud model --change patch --meta meta.yaml --metric auc=0.921 -m "retrained on March data"

step mreg show fraud
mreg show fraud

step mreg ls
mreg ls
step mreg ls fraud
mreg ls fraud

step mreg verify
mreg verify

step mreg export fraud@0.1.0 serving
mreg export fraud@0.1.0 serving
ls -R serving >&2

step "mreg show fraud@0.1.1 --json | (one JSON document on stdout)"
mreg show fraud@0.1.1 --json | node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(`${m.name}@${m.version} hash ${m.hash}, auc ${m.metrics.auc}`)'

printf '\nquickstart finished: every step above ran against a real store in %s\n' "$WORK" >&2
