"""The Spark job end to end on a tiny generated archive (pyspark local mode; Java 17).

Run from spark/:  python3 -m unittest discover -s tests -v
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import unittest
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

from flywheel_spark import train_als  # noqa: E402
from flywheel_spark.model_artifact import DATA_FILES  # noqa: E402
from flywheel_spark.ranking_metrics import user_metrics  # noqa: E402

ARCHIVE_SCHEMA = pa.schema(
    [
        pa.field("eventId", pa.string(), nullable=False),
        pa.field("userId", pa.string(), nullable=False),
        pa.field("itemId", pa.string(), nullable=False),
        pa.field("type", pa.string(), nullable=False),
        pa.field("value", pa.float64()),
        pa.field("timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
        pa.field("receivedAt", pa.timestamp("ms", tz="UTC"), nullable=False),
        pa.field("recommendationId", pa.string()),
        pa.field("context", pa.string()),
    ]
)
START_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z


def generate_events(users=60, items=40, clusters=4, per_user=14, seed=7):
    """Users like the items of their cluster: mostly views and clicks there, some purchases, ratings, dismissals
    of other clusters' items and impressions. Deterministic for a seed."""
    rng = random.Random(seed)
    events = []
    for u in range(users):
        cluster = u % clusters
        own = [i for i in range(items) if i % clusters == cluster]
        other = [i for i in range(items) if i % clusters != cluster]
        for n in range(per_user):
            roll = rng.random()
            item, kind, value = rng.choice(own), "view", None
            if roll < 0.25:
                kind = "click"
            elif roll < 0.32:
                kind = "purchase"
            elif roll < 0.4:
                kind, value = "rate", float(rng.randint(3, 5))
            elif roll < 0.47:
                item, kind = rng.choice(other), "dismiss"
            elif roll < 0.55:
                item, kind = rng.choice(other), "impression"
            t = START_MS + (u * per_user + n) * 97_000
            events.append(
                {
                    "eventId": f"e-{u}-{n}",
                    "userId": f"u{u:03d}",
                    "itemId": f"i{item:03d}",
                    "type": kind,
                    "value": value,
                    "timestamp": t,
                    "receivedAt": t + 500,
                    "recommendationId": None,
                    "context": None,
                }
            )
    return events


def write_archive(root, events, batch_id):
    """One Parquet file per receivedAt hour, as the archive Lambda lays them out."""
    by_hour = {}
    for event in events:
        at = datetime.fromtimestamp(event["receivedAt"] / 1000, tz=timezone.utc)
        by_hour.setdefault((at.strftime("%Y-%m-%d"), at.strftime("%H")), []).append(event)
    for (day, hour), rows in by_hour.items():
        directory = os.path.join(root, "events", f"dt={day}", f"hour={hour}")
        os.makedirs(directory, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=ARCHIVE_SCHEMA)
        pq.write_table(table, os.path.join(directory, f"{batch_id}.parquet"), compression="snappy")


def expected_weights(events):
    with open(train_als.DEFAULT_WEIGHTS_FILE, encoding="utf-8") as f:
        weights = json.load(f)["weights"]
    sums = {}
    for event in {e["eventId"]: e for e in events}.values():
        base = weights[event["type"]]
        w = base if event["value"] is None else base * event["value"]
        key = (event["userId"], event["itemId"])
        sums[key] = sums.get(key, 0.0) + w
    return {key: w for key, w in sums.items() if w != 0}


class TrainAlsJobTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="flywheel-spark-test-")
        archive = os.path.join(cls.dir, "archive")
        events = generate_events()
        archived, recent = events[:-60], events[-60:]
        write_archive(archive, archived, "shard-1-100-200")
        # A redelivered batch with other boundaries: its events are in the archive twice.
        write_archive(archive, archived[:50], "shard-1-100-150")
        # The recent export overlaps the archive by 10 events, as the 48 h log overlaps yesterday's files.
        recent_path = os.path.join(cls.dir, "recent.jsonl")
        with open(recent_path, "w", encoding="utf-8") as f:
            for event in events[-70:]:
                row = {k: event[k] for k in ("eventId", "userId", "itemId", "type", "timestamp")}
                if event["value"] is not None:
                    row["value"] = event["value"]
                f.write(json.dumps(row) + "\n")
        cls.events = events
        cls.out = os.path.join(cls.dir, "out")
        argv = [
            "--archive", archive, "--recent", recent_path, "--out", cls.out,
            "--factors", "8", "--iterations", "8", "--regularization", "1", "--alpha", "2",
            "--top-n", "5", "--holdout", "0.25", "--version", "test-spark-1",
        ]  # fmt: skip
        args = train_als.parse_args(argv)
        spark = train_als.build_spark(args)
        try:
            cls.summary = train_als.run(args, spark)
            cls.run_as_the_pipeline_does(spark, events, recent_path)
        finally:
            spark.stop()
        cls.model_dir = os.path.join(cls.out, "model")
        with open(os.path.join(cls.model_dir, "manifest.json"), encoding="utf-8") as f:
            cls.manifest = json.load(f)
        cls.recs = []
        batch_dir = os.path.join(cls.out, "batch-recs")
        for name in sorted(os.listdir(batch_dir)):
            if name.startswith("part-"):
                with open(os.path.join(batch_dir, name), encoding="utf-8") as f:
                    cls.recs.extend(json.loads(line) for line in f if line.strip())

    @classmethod
    def run_as_the_pipeline_does(cls, spark, events, recent_path):
        """PrepareData's arguments: no archive here, held-out events excluded, the model in the model store."""
        cls.excluded = sorted(e["eventId"] for e in events if e["userId"] == "u059")
        exclude_path = os.path.join(cls.dir, "holdout-event-ids.txt")
        with open(exclude_path, "w", encoding="utf-8") as f:
            f.write("".join(event_id + "\n" for event_id in cls.excluded))
        cls.store_dir = os.path.join(cls.dir, "models", "pipeline-run-1")
        argv = [
            "--recent", recent_path, "--exclude-events", exclude_path, "--out", os.path.join(cls.dir, "run"),
            "--model-out", cls.store_dir, "--version", "pipeline-run-1", "--holdout", "0",
            "--factors", "4", "--iterations", "2", "--top-n", "3",
        ]  # fmt: skip
        cls.pipeline_summary = train_als.run(train_als.parse_args(argv), spark)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def read(self, name):
        with open(os.path.join(self.model_dir, name), "rb") as f:
            return f.read()

    def test_the_model_directory_holds_exactly_the_six_files(self):
        self.assertEqual(sorted(os.listdir(self.model_dir)), sorted([*DATA_FILES, "manifest.json"]))

    def test_every_file_matches_its_manifest_length_and_sha256(self):
        m = self.manifest
        self.assertEqual([entry["name"] for entry in m["files"]], list(DATA_FILES))
        for entry in m["files"]:
            data = self.read(entry["name"])
            self.assertEqual(len(data), entry["byteLength"], entry["name"])
            self.assertEqual(hashlib.sha256(data).hexdigest(), entry["sha256"], entry["name"])
        shapes = {entry["name"]: entry["shape"] for entry in m["files"]}
        self.assertEqual(shapes["user-factors.f32"], [m["users"], 8])
        self.assertEqual(shapes["item-factors.f32"], [m["items"], 8])
        self.assertEqual(shapes["gram.f32"], [8, 8])

    def test_manifest_fields(self):
        m = self.manifest
        self.assertEqual(m["formatVersion"], 1)
        self.assertEqual(m["modelVersion"], "test-spark-1")
        self.assertEqual(m["factors"], 8)
        self.assertEqual(m["parameters"]["factors"], 8)
        self.assertEqual(m["parameters"]["solver"], "cholesky")
        self.assertEqual(m["parameters"]["alpha"], 2)
        self.assertTrue(m["createdAt"].endswith("Z"))
        # One row per distinct eventId: the duplicated files and the overlapping export add nothing.
        self.assertEqual(m["dataWindow"]["interactions"], len(self.events))
        self.assertEqual(m["dataWindow"]["from"], self.events[0]["timestamp"] / 1000)
        self.assertEqual(m["dataWindow"]["to"], self.events[-1]["timestamp"] / 1000)

    def test_ids_and_gram(self):
        user_ids = json.loads(self.read("user-ids.json"))
        item_ids = json.loads(self.read("item-ids.json"))
        pairs = expected_weights(self.events)
        self.assertEqual(user_ids, sorted({u for u, _ in pairs}))
        self.assertEqual(item_ids, sorted({i for _, i in pairs}))
        y = np.frombuffer(self.read("item-factors.f32"), dtype="<f4").reshape(len(item_ids), 8)
        gram = np.frombuffer(self.read("gram.f32"), dtype="<f4").reshape(8, 8)
        np.testing.assert_allclose(gram, y.astype(np.float64).T @ y.astype(np.float64), rtol=1e-5, atol=1e-5)
        self.assertTrue(np.any(y != 0))

    def test_the_pipeline_run_writes_to_the_model_store_without_the_excluded_events(self):
        with open(os.path.join(self.store_dir, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        self.assertEqual(manifest["modelVersion"], "pipeline-run-1")
        with open(os.path.join(self.store_dir, "user-ids.json"), encoding="utf-8") as f:
            user_ids = json.load(f)
        # The recent export holds the last 70 events (users u055–u059); u059's are all excluded.
        self.assertNotIn("u059", user_ids)
        self.assertIn("u058", user_ids)
        self.assertEqual(self.pipeline_summary["metrics"], {})

    def test_an_archive_or_a_recent_export_is_required(self):
        with self.assertRaises(SystemExit):
            train_als.parse_args(["--out", "/tmp/never"])

    def test_holdout_metrics_are_in_the_manifest(self):
        metrics = self.manifest["metrics"]
        for name in ("precision@10", "recall@10", "ndcg@10", "map@10", "coverage@10", "holdoutUsers"):
            self.assertIn(name, metrics)
        self.assertGreater(metrics["holdoutUsers"], 0)
        # Clustered tastes are learnable: far better than the ~0.05 of a random ranking.
        self.assertGreater(metrics["precision@10"], 0.1)
        self.assertGreater(metrics["ndcg@10"], metrics["precision@10"] / 2)

    def test_batch_recs_cover_every_active_user_and_exclude_seen_items(self):
        pairs = expected_weights(self.events)
        self.assertEqual(sorted(r["userId"] for r in self.recs), sorted({u for u, _ in pairs}))
        for rec in self.recs:
            seen = {h["itemId"] for h in rec["history"]}
            recommended = [i["itemId"] for i in rec["items"]]
            self.assertTrue(recommended, rec["userId"])
            self.assertLessEqual(len(recommended), 5)
            self.assertFalse(seen & set(recommended), rec["userId"])
            scores = [i["score"] for i in rec["items"]]
            self.assertEqual(scores, sorted(scores, reverse=True))

    def test_history_is_the_aggregated_weights_strongest_first(self):
        pairs = expected_weights(self.events)
        for rec in self.recs:
            expected = {i: w for (u, i), w in pairs.items() if u == rec["userId"]}
            self.assertEqual({h["itemId"]: h["weight"] for h in rec["history"]}, expected)
            weights = [h["weight"] for h in rec["history"]]
            self.assertEqual(weights, sorted(weights, reverse=True))


class RankingMetricsTest(unittest.TestCase):
    def test_the_definitions_of_ranking_metrics_ts(self):
        # Hits at ranks 1 and 3 of 3 relevant items, K = 5.
        m = user_metrics([7, 1, 9, 4, 5], {7, 9, 8}, 5)
        self.assertAlmostEqual(m["precision"], 2 / 5)
        self.assertAlmostEqual(m["recall"], 2 / 3)
        idcg = 1 + 1 / np.log2(3) + 1 / np.log2(4)
        self.assertAlmostEqual(m["ndcg"], (1 + 1 / np.log2(4)) / idcg)
        self.assertAlmostEqual(m["map"], (1 / 1 + 2 / 3) / 3)

    def test_a_repeated_item_counts_once_and_precision_divides_by_k(self):
        m = user_metrics([3, 3], {3}, 10)
        self.assertAlmostEqual(m["precision"], 0.1)
        self.assertAlmostEqual(m["ndcg"], 1.0)

    def test_top_n_skips_excluded_items_and_breaks_ties_by_index(self):
        scores = np.array([0.5, 0.9, 0.9, 0.1, 0.7])
        self.assertEqual([i for i, _ in train_als.top_n(scores, [1], 3)], [2, 4, 0])
        self.assertEqual(train_als.top_n(scores, [0, 1, 2, 3, 4], 3), [])


if __name__ == "__main__":
    unittest.main()
