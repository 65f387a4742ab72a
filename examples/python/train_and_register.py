#!/usr/bin/env python3
"""Train a small logistic-regression model with the standard library, register it with mreg, compare it
with the version in production and promote it: to staging always, to production only if its AUC improved.

    python3 examples/python/train_and_register.py --project /tmp/fraud --drop merchant_risk  # 0.1.0 -> production
    python3 examples/python/train_and_register.py --project /tmp/fraud   # all features: 1.0.0, better -> production
    python3 examples/python/train_and_register.py --project /tmp/fraud --epochs 1   # worse: stays in staging

Everything is made here: the data (seeded, so a re-run is the same data set and mreg says "unchanged"),
the model, its weights as a .safetensors file (written by hand below), and the store (created in the
project directory if it has none).
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import random
import struct
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

try:
    from mreg import MregError, Registry
except ImportError:  # run from a clone without `pip install ./python`
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python" / "src"))
    from mreg import MregError, Registry

FEATURES = ["amount", "hour", "merchant_risk", "account_age"]
TRUE_WEIGHTS = [1.8, -0.6, 2.4, -1.2]
TRUE_BIAS = -0.8
MODEL = "fraud"
DATASET = "transactions"


def make_data(path: Path, rows: int, seed: int) -> None:
    """Transactions with four features and a label drawn from a known logistic model (so there is signal)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*FEATURES, "label"])
        for _ in range(rows):
            x = [round(rng.gauss(0.0, 1.0), 4) for _ in FEATURES]
            p = 1.0 / (1.0 + math.exp(-(sum(w * v for w, v in zip(TRUE_WEIGHTS, x)) + TRUE_BIAS)))
            writer.writerow([*x, 1 if rng.random() < p else 0])


def read_data(path: Path, features: Sequence[str]) -> Tuple[List[List[float]], List[int]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [[float(r[name]) for name in features] for r in rows], [int(r["label"]) for r in rows]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def train(x: Sequence[Sequence[float]], y: Sequence[int], epochs: int, lr: float, l2: float) -> Tuple[List[float], float, float]:
    """Batch gradient descent on the log loss with an L2 penalty; returns weights, bias and the final loss."""
    w, b, n = [0.0] * len(x[0]), 0.0, len(x)
    loss = 0.0
    for _ in range(epochs):
        gw, gb, loss = [0.0] * len(w), 0.0, 0.0
        for xi, yi in zip(x, y):
            p = sigmoid(sum(wj * xj for wj, xj in zip(w, xi)) + b)
            loss -= math.log(max(p, 1e-12)) if yi else math.log(max(1.0 - p, 1e-12))
            for j, xj in enumerate(xi):
                gw[j] += (p - yi) * xj
            gb += p - yi
        w = [wj - lr * (g / n + l2 * wj) for wj, g in zip(w, gw)]
        b -= lr * gb / n
        loss /= n
    return w, b, loss


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve: the Mann-Whitney statistic, ties counted half."""
    ranked = sorted(zip(scores, labels))
    ranks = [0.0] * len(ranked)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2.0 + 1.0
        i = j + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    rank_sum = sum(r for r, (_, label) in zip(ranks, ranked) if label)
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def write_safetensors(path: Path, tensors: Dict[str, Tuple[List[float], List[int]]], metadata: Dict[str, str]) -> None:
    """The safetensors layout: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
    shape and byte range, padded with spaces to 8 bytes, then the tensors' little-endian bytes."""
    header: Dict[str, object] = {"__metadata__": metadata}
    body = b""
    for name, (values, shape) in tensors.items():
        data = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(body), len(body) + len(data)]}
        body += data
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", default=".", help="the project directory (a store is created there if it has none)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--l2", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=7, help="the data set's seed: another seed is another data set version")
    parser.add_argument("--rows", type=int, default=1500)
    parser.add_argument("--drop", action="append", default=[], choices=FEATURES, help="train without this feature (repeatable)")
    args = parser.parse_args(list(argv) or None)

    project = Path(args.project).resolve()
    project.mkdir(parents=True, exist_ok=True)
    reg = Registry(project) if (project / ".modelreg").is_dir() else Registry.init(project)

    # 1. The data set, registered as a version of its own: the same seed gives the same bytes, so a re-run is "unchanged".
    data_file = project / "data" / "transactions.csv"
    make_data(data_file, args.rows, args.seed)
    models = {row.model: row for row in reg.ls()}
    dataset = reg.register(DATASET, [data_file], kind="dataset", change="patch" if DATASET in models else "minor",
                           params={"seed": args.seed, "rows": args.rows}, message=f"generated with seed {args.seed}")
    print(f"data set {dataset.ref} ({'unchanged' if dataset.unchanged else 'new'})")

    # 2. Train on 80%, measure on the rest.
    features = [name for name in FEATURES if name not in args.drop]
    x, y = read_data(data_file, features)
    cut = int(len(x) * 0.8)
    w, b, loss = train(x[:cut], y[:cut], args.epochs, args.lr, args.l2)
    test_auc = auc([sigmoid(sum(wj * xj for wj, xj in zip(w, xi)) + b) for xi in x[cut:]], y[cut:])
    accuracy = sum((sigmoid(sum(wj * xj for wj, xj in zip(w, xi)) + b) >= 0.5) == bool(yi) for xi, yi in zip(x[cut:], y[cut:])) / (len(x) - cut)
    print(f"trained: auc {test_auc:.4f}, accuracy {accuracy:.4f}, loss {loss:.4f}")

    weights = project / "out" / "model.safetensors"
    write_safetensors(weights, {"weight": (w, [len(w)]), "bias": ([b], [1])}, {"features": ",".join(features)})

    # 3. The model, with what made it. A retrain keeps the interface, so a patch; mreg refuses a patch if the
    # weights' layout changed (--drop: a weight of another shape), and then the change it requires is declared.
    details = dict(
        params={"epochs": args.epochs, "lr": args.lr, "l2": args.l2, "features": features, "optimizer": {"name": "gd", "batch": "full"}},
        metrics={"auc": round(test_auc, 6), "accuracy": round(accuracy, 6), "loss": round(loss, 6)},
        tags={"team": "risk", "trainer": "train_and_register.py"},
        data=[dataset.ref],
        message=f"logistic regression, {args.epochs} epochs, lr {args.lr}",
    )
    try:
        model = reg.register(MODEL, [weights], change="patch" if MODEL in models else "minor", **details)
    except MregError as err:
        if err.code != MregError.BUMP_TOO_LOW:
            raise
        print(f"{err.message}: registering as {err.data['required']}")
        model = reg.register(MODEL, [weights], change=err.data["required"], **details)
    print(f"model {model.ref} ({'unchanged' if model.unchanged else 'new'}, hash {model.hash})")

    # 4. Compare with production, promote to staging, and to production only if the AUC improved.
    live = models[MODEL].by_stage.get("production", []) if MODEL in models else []
    improved = True
    if live and live[0] != model.version:
        diff = reg.diff(f"{MODEL}@production", model.ref)
        change = diff.metrics["auc"]
        improved = bool(change.improved)
        print(f"auc against production {MODEL}@{live[0]}: {change.a} -> {change.b} ({'better' if improved else 'not better'})")
    elif live:
        improved = False
        print(f"{model.ref} is already in production")
    if model.version not in (live or []):
        staged = reg.promote(model.ref, "staging", reason=f"auc {test_auc:.4f}")
        print(f"promoted {model.ref} to staging" if not staged.unchanged else f"{model.ref} is already in staging")
    if improved:
        promoted = reg.promote(model.ref, "production", reason=f"auc {test_auc:.4f} beat production" if live else "first model")
        print(f"promoted {model.ref} to production" + "".join(f"; {d['version']} moved to {d['to']}" for d in promoted.displaced))
    else:
        print(f"{model.ref} stays in staging; production is {MODEL}@{live[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
