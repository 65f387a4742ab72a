#!/usr/bin/env bash
# A tour of mreg in a temporary directory: init, register two versions, show, ls, verify, export, then
# a data set, a version made from it, promotions, a search, and the web view written by `mreg report`.
# Run it with `npm run example` from the repository root. The directory is kept so you can browse it
# (`mreg ui`); MREG_EXAMPLE_CLEANUP=1 removes it at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
mreg() { node "$ROOT/bin/mreg.js" "$@"; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mreg-quickstart.XXXXXX")"
# Removed when the tour fails, or at the end when asked to; otherwise kept for `mreg ui`.
finished=0
trap 'if [ "$finished" = 0 ] || [ "${MREG_EXAMPLE_CLEANUP:-}" = 1 ]; then rm -rf "$WORK"; fi' EXIT
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

# Lineage: the training data as a registered data set, and a version made from it.
mkdir -p data && printf 'id,amount,fraud\n1,12.5,0\n2,980.0,1\n' > data/transactions.csv
step mreg register transactions data --kind dataset --version 2.1.0 -m "March transactions"
mreg register transactions data --kind dataset --version 2.1.0 -m "March transactions"
{ printf '\0'; head -c 1048575 /dev/urandom; } > model/weights.bin
step mreg register fraud model --change minor --meta meta.yaml --metric auc=0.934 --metric f1=0.88 --data transactions@2.1.0 --parent fraud@0.1.1 -m "wider first layer"
mreg register fraud model --change minor --meta meta.yaml --metric auc=0.934 --metric f1=0.88 --data transactions@2.1.0 --parent fraud@0.1.1 -m "wider first layer"

# Stages: 0.1.1 goes to production, 0.2.0 to staging.
step mreg promote fraud@0.1.1 staging
mreg promote fraud@0.1.1 staging
step mreg promote fraud@0.1.1 production --reason "beats 0.1.0 on auc"
mreg promote fraud@0.1.1 production --reason "beats 0.1.0 on auc"
step mreg promote fraud@0.2.0 staging
mreg promote fraud@0.2.0 staging

step "mreg ls fraud --where \"metrics.auc >= 0.92\" --sort -metrics.auc"
mreg ls fraud --where "metrics.auc >= 0.92" --sort -metrics.auc

# The web view, as static pages: open the index from disk, or browse the store live with mreg ui.
step mreg report --out site
mreg report --out site

finished=1
printf '\nquickstart finished: every step above ran against a real store in %s\n' "$WORK" >&2
if [ "${MREG_EXAMPLE_CLEANUP:-}" = 1 ]; then
  printf 'the directory is removed (MREG_EXAMPLE_CLEANUP=1)\n' >&2
else
  printf '\nthe web view: open %s\nbrowse it live: (cd %s && node %s/bin/mreg.js ui)\n' "$WORK/site/index.html" "$WORK" "$ROOT" >&2
fi
