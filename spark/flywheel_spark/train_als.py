"""Nightly training job: implicit ALS on Spark over the event archive, written in Flywheel's model format.

    python3 -m flywheel_spark.train_als --archive DIR --out DIR [--recent FILE] [--factors 64 ...]   (from spark/)
    spark-submit --py-files flywheel_spark.zip spark/flywheel_spark/train_als.py --archive s3://… --out s3://…

Input, output and the parameter mapping are documented in spark/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np

from flywheel_spark.model_artifact import encode_model, write_model
from flywheel_spark.ranking_metrics import user_metrics

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# One definition of the event-type weights, shared with the TypeScript trainer and the stream fold-in.
DEFAULT_WEIGHTS_FILE = os.path.join(REPO_ROOT, "layers", "domain", "interactions", "event-weights.json")
HISTORY_CAP = 500
OBJECT_STORE_SCHEMES = ("s3://", "s3a://", "s3n://", "gs://")


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="flywheel_spark.train_als", description=__doc__.splitlines()[0])
    parser.add_argument("--archive", help="archive root: holds events/dt=YYYY-MM-DD/hour=HH/*.parquet")
    parser.add_argument("--recent", help="JSON-lines export of recent events (README: input contract)")
    parser.add_argument(
        "--exclude-events", help="text file of event ids (one per line) left out: the pipeline's held-out events"
    )
    parser.add_argument("--out", required=True, help="output root: batch-recs/ (and model/ by default) go under it")
    parser.add_argument("--model-out", help="where the model files go (default OUT/model): the model store's place")
    parser.add_argument("--weights", default=DEFAULT_WEIGHTS_FILE, help="event-weights.json")
    parser.add_argument("--version", help="model version id (default: UTC time + random suffix)")
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument(
        "--regularization",
        type=float,
        default=1.0,
        help="λ as the TypeScript trainer and fold-in use it (one penalty for every vector)",
    )
    parser.add_argument(
        "--spark-reg-param",
        type=float,
        help="Spark's regParam; default: regularization / mean positives per user (README: parameter mapping)",
    )
    parser.add_argument("--alpha", type=float, default=1.0, help="confidence c = 1 + alpha·|w|")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--top-n", type=int, default=50, help="batch recommendations per user")
    parser.add_argument("--holdout", type=float, default=0.2, help="share of each user's pairs held out; 0: no metrics")
    parser.add_argument("--k", type=int, default=10, help="cut-off of the holdout metrics")
    parser.add_argument("--master", help="Spark master; default local[2] outside spark-submit")
    args = parser.parse_args(argv)
    if not args.archive and not args.recent:
        parser.error("give --archive, --recent or both")
    if args.factors < 1 or args.iterations < 0 or args.top_n < 1 or args.k < 1:
        parser.error("factors, top-n and k must be ≥ 1, iterations ≥ 0")
    if not (0 <= args.holdout < 1):
        parser.error("holdout must be in [0, 1)")
    if not args.alpha > 0 or args.regularization < 0:
        parser.error("alpha must be > 0 and regularization ≥ 0")
    if not 0 <= args.seed <= 2**32 - 1:
        parser.error("seed must be an integer from 0 to 2^32 - 1 (the model format's range)")
    return args


def build_spark(args: argparse.Namespace):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("flywheel-train-als")
    # spark-submit (EMR Serverless included) starts Python with a gateway and its own master; a plain
    # `python3 -m` run gets a small local mode, sized for CI.
    if args.master or "PYSPARK_GATEWAY_PORT" not in os.environ:
        builder = (
            builder.master(args.master or "local[2]")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.default.parallelism", "4")
            .config("spark.driver.memory", "2g")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
    spark = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def load_event_weights(path: str) -> Dict[str, float]:
    if not os.path.exists(path) and path == DEFAULT_WEIGHTS_FILE:
        # On EMR Serverless there is no checkout: the file is shipped with `--files event-weights.json`, which
        # puts it in the driver's working directory.
        path = os.path.basename(path)
    with open(path, encoding="utf-8") as f:
        weights = json.load(f)["weights"]
    return {str(name): float(weight) for name, weight in weights.items()}


# ------------------------------------------------------------------------------------------------ input


def read_events(spark, archive: Optional[str], recent: Optional[str], exclude: Optional[str] = None):
    """The archive's events plus the recent export, one row per eventId (the archive is at-least-once), less
    the excluded event ids."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    columns = ["eventId", "userId", "itemId", "type", "value", "timestamp"]
    events = spark.read.parquet(archive.rstrip("/") + "/events").select(*columns) if archive else None
    if recent:
        # The recent export has the archive's fields, with the times as epoch milliseconds (JSON numbers).
        schema = T.StructType(
            [
                T.StructField("eventId", T.StringType()),
                T.StructField("userId", T.StringType()),
                T.StructField("itemId", T.StringType()),
                T.StructField("type", T.StringType()),
                T.StructField("value", T.DoubleType()),
                T.StructField("timestamp", T.LongType()),
            ]
        )
        recent_events = (
            spark.read.schema(schema)
            .option("mode", "FAILFAST")
            .json(recent)
            .withColumn("timestamp", F.timestamp_millis("timestamp"))
            .select(*columns)
        )
        events = recent_events if events is None else events.unionByName(recent_events)
    events = events.dropDuplicates(["eventId"])
    if exclude:
        excluded = spark.read.text(exclude).select(F.trim("value").alias("eventId")).where("eventId != ''")
        events = events.join(excluded, "eventId", "left_anti")
    return events


def weighted_pairs(events, weights: Dict[str, float]):
    """(userId, itemId, weight, lastSeconds): eventWeight of event-types.ts summed per pair; zero sums dropped.

    Like the TypeScript CSR builder, a pair whose weights cancel (a view then a dismiss) does not train, and
    impressions (weight 0) do not train. Events of an unknown type are left out.
    """
    from pyspark.sql import functions as F

    type_weight = F.create_map(*[F.lit(x) for pair in weights.items() for x in pair])
    base = type_weight[F.col("type")]
    # eventWeight: the type's weight, times the event's value when it has one (`rate` uses the rating).
    weight = F.when(F.col("value").isNull() | F.isnan("value"), base).otherwise(base * F.col("value"))
    return (
        events.where(base.isNotNull())
        .withColumn("w", weight)
        .withColumn("seconds", F.col("timestamp").cast("double"))
        .groupBy("userId", "itemId")
        .agg(F.sum("w").alias("weight"), F.max("seconds").alias("lastSeconds"))
        .where(F.col("weight") != 0)
    )


def id_index(spark, pairs, column: str, index_column: str):
    """Ids in sorted order with their 0-based index, as a DataFrame and as the driver-side list."""
    from pyspark.sql import types as T

    ordered = pairs.select(column).distinct().orderBy(column)
    indexed = ordered.rdd.zipWithIndex().map(lambda row_index: (row_index[0][0], int(row_index[1])))
    schema = T.StructType([T.StructField(column, T.StringType()), T.StructField(index_column, T.IntegerType())])
    frame = spark.createDataFrame(indexed, schema).cache()
    ids = [row[column] for row in frame.orderBy(index_column).collect()]
    return frame, ids


def split_holdout(pairs, holdout: float, seed: int):
    """Marks each pair `inTrain`. Per user, pairs are ordered by sha256("<seed>|<userId>|<itemId>") (hex) and
    the first round_half_even((1 − holdout) · n) train; the rest are held out (as data-split.ts's stratified
    split, with a hash order instead of a shuffle so that any reader can reproduce it)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if holdout == 0:
        return pairs.withColumn("inTrain", F.lit(True))
    by_user = Window.partitionBy("userId")
    ordered = by_user.orderBy("splitKey")
    return (
        pairs.withColumn("splitKey", F.sha2(F.concat_ws("|", F.lit(str(seed)), "userId", "itemId"), 256))
        .withColumn("rank", F.row_number().over(ordered))
        .withColumn("n", F.count(F.lit(1)).over(by_user))
        # bround is HALF_EVEN, as NumPy's round and roundHalfToEven in data-split.ts.
        .withColumn("inTrain", F.col("rank") <= F.bround(F.lit(1.0 - holdout) * F.col("n"), 0))
        .drop("splitKey", "rank", "n")
    )


# --------------------------------------------------------------------------------------------- training


def spark_reg_param(args: argparse.Namespace, train_pairs) -> float:
    """Spark's ALS scales regParam by each vector's count of positive ratings (ALS-WR); the TypeScript trainer
    (and `implicit`) use one λ for every vector. Dividing λ by the mean count of positives per user gives the
    same penalty to a user of average activity (README: parameter mapping)."""
    from pyspark.sql import functions as F

    if args.spark_reg_param is not None:
        return args.spark_reg_param
    row = (
        train_pairs.where(F.col("weight") > 0)
        .groupBy("userId")
        .count()
        .agg(F.avg("count").alias("mean"))
        .first()
    )
    mean_positives = row["mean"] if row is not None and row["mean"] else 1.0
    return args.regularization / mean_positives


def fit_als(indexed_pairs, args: argparse.Namespace, reg_param: float):
    """Implicit ALS (Hu, Koren, Volinsky 2008) on (u, i, weight).

    Spark treats a rating r as the TypeScript trainer does: preference 1 when r > 0, 0 otherwise, and
    confidence 1 + alpha·|r|, so a dismissal (negative weight) is a confident "not wanted". The differences
    are the solver (Spark solves each normal equation exactly by Cholesky, the TypeScript default is 3 CG
    steps) and the penalty: Spark's is regParam × the vector's count of *positive* ratings (negatives do not
    count), the TypeScript one is λ for every vector; see spark_reg_param.
    """
    from pyspark.ml.recommendation import ALS

    als = ALS(
        userCol="u",
        itemCol="i",
        ratingCol="weight",
        implicitPrefs=True,
        rank=args.factors,
        maxIter=args.iterations,
        regParam=reg_param,
        alpha=args.alpha,
        seed=args.seed,
        nonnegative=False,
        coldStartStrategy="nan",
    )
    return als.fit(indexed_pairs.select("u", "i", "weight"))


def factor_matrix(factors_df, count: int, rank: int) -> np.ndarray:
    """Rows in index order; an id Spark has no factors for (no training pair) keeps a zero vector."""
    out = np.zeros((count, rank), dtype=np.float64)
    for row in factors_df.collect():
        out[row["id"]] = row["features"]
    return out


# ------------------------------------------------------------------------------------------ ranking


def top_n(scores: np.ndarray, excluded: Iterable[int], n: int) -> List[Tuple[int, float]]:
    """The n best (item index, score), best first, excluded items never; ties go to the lower index."""
    scores = scores.astype(np.float64, copy=True)
    excluded = list(excluded)
    if excluded:
        scores[np.asarray(excluded, dtype=np.int64)] = -np.inf
    n = min(n, scores.shape[0])
    if n == 0:
        return []
    candidates = np.argpartition(-scores, n - 1)[:n] if n < scores.shape[0] else np.arange(scores.shape[0])
    order = candidates[np.lexsort((candidates, -scores[candidates]))]
    return [(int(i), float(scores[i])) for i in order if np.isfinite(scores[i])]


def rank_users(rows: Iterator, item_factors_bc, n: int) -> Iterator[Tuple]:
    """For rows (user index, user vector or None, excluded item indices, payload): (row, top n)."""
    item_factors = item_factors_bc.value
    for row in rows:
        vector = row[1]
        if vector is None:
            yield row, []
            continue
        scores = item_factors @ np.asarray(vector, dtype=np.float64)
        yield row, top_n(scores, row[2], n)


def holdout_metrics(spark, model, indexed_pairs, item_count: int, rank: int, k: int) -> Dict[str, float]:
    """Metrics at k over users with a positive held-out pair, their training pairs excluded from ranking."""
    from pyspark.sql import functions as F

    item_factors = factor_matrix(model.itemFactors, item_count, rank)
    factors_bc = spark.sparkContext.broadcast(item_factors)
    seen = indexed_pairs.where("inTrain").groupBy("u").agg(F.collect_list("i").alias("seen"))
    relevant = (
        indexed_pairs.where(~F.col("inTrain") & (F.col("weight") > 0))
        .groupBy("u")
        .agg(F.collect_set("i").alias("relevant"))
    )
    users = (
        relevant.join(seen, "u", "left")
        .join(model.userFactors.withColumnRenamed("id", "u"), "u", "left")
        .select("u", "features", F.coalesce("seen", F.array().cast("array<int>")).alias("seen"), "relevant")
    )

    def evaluate(rows):
        for row, recs in rank_users(rows, factors_bc, k):
            recommended = [item for item, _ in recs]
            yield user_metrics(recommended, set(row[3]), k), recommended

    evaluated = users.rdd.map(tuple).mapPartitions(evaluate).cache()
    count = evaluated.count()
    metrics: Dict[str, float] = {}
    if count > 0:
        totals = evaluated.map(lambda pair: pair[0]).reduce(
            lambda a, b: {name: a[name] + b[name] for name in a}
        )
        for name, total in totals.items():
            metrics[f"{name}@{k}"] = total / count
        distinct = evaluated.flatMap(lambda pair: pair[1]).distinct().count()
        metrics[f"coverage@{k}"] = distinct / item_count if item_count else 0.0
    metrics["holdoutUsers"] = float(count)
    evaluated.unpersist()
    factors_bc.destroy()
    return metrics


def batch_recommendations(spark, model, indexed_pairs, item_ids: List[str], rank: int, n: int):
    """One JSON line per active user: top n unseen items by score and the user's history, strongest first."""
    from pyspark.sql import functions as F

    item_factors = factor_matrix(model.itemFactors, len(item_ids), rank)
    factors_bc = spark.sparkContext.broadcast(item_factors)
    item_ids_bc = spark.sparkContext.broadcast(item_ids)
    history = indexed_pairs.groupBy("u", "userId").agg(
        F.collect_list(F.struct("i", "itemId", "weight")).alias("history")
    )
    users = history.join(model.userFactors.withColumnRenamed("id", "u"), "u", "left").select(
        "u", "features", F.col("history.i").alias("seen"), "userId", "history"
    )

    def to_lines(rows):
        ids = item_ids_bc.value
        for row, recs in rank_users(rows, factors_bc, n):
            strongest = sorted(row[4], key=lambda h: (-h["weight"], h["itemId"]))[:HISTORY_CAP]
            yield json.dumps(
                {
                    "userId": row[3],
                    "items": [{"itemId": ids[i], "score": score} for i, score in recs],
                    "history": [{"itemId": h["itemId"], "weight": h["weight"]} for h in strongest],
                },
                ensure_ascii=False,
            )

    return users.rdd.map(tuple).mapPartitions(to_lines), [factors_bc, item_ids_bc]


# ------------------------------------------------------------------------------------------- output


def local_sink(directory: str):
    os.makedirs(directory, exist_ok=True)

    def put(name: str, data: bytes) -> None:
        temporary = os.path.join(directory, f".{name}.{uuid.uuid4()}.tmp")
        with open(temporary, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, os.path.join(directory, name))

    def remove(name: str) -> None:
        try:
            os.remove(os.path.join(directory, name))
        except FileNotFoundError:
            pass

    return put, remove


def hadoop_sink(spark, directory: str):
    """Object stores (S3 on EMR): each PUT is atomic and there is no rename, so files go straight to their name."""
    jvm = spark.sparkContext._jvm
    base = jvm.org.apache.hadoop.fs.Path(directory)
    fs = base.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())

    def put(name: str, data: bytes) -> None:
        stream = fs.create(jvm.org.apache.hadoop.fs.Path(base, name), True)
        try:
            stream.write(bytearray(data))
        finally:
            stream.close()

    def remove(name: str) -> None:
        fs.delete(jvm.org.apache.hadoop.fs.Path(base, name), False)

    return put, remove


def new_model_version(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-spark-{uuid.uuid4().hex[:6]}"


def iso_utc(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def run(args: argparse.Namespace, spark) -> Dict[str, object]:
    from pyspark.sql import functions as F

    started = time.monotonic()
    weights = load_event_weights(args.weights)
    events = read_events(spark, args.archive, args.recent, args.exclude_events).cache()
    window = events.agg(
        F.min(F.col("timestamp").cast("double")).alias("from"),
        F.max(F.col("timestamp").cast("double")).alias("to"),
        F.count(F.lit(1)).alias("rows"),
    ).first()
    pairs = weighted_pairs(events, weights)
    users_df, user_ids = id_index(spark, pairs, "userId", "u")
    items_df, item_ids = id_index(spark, pairs, "itemId", "i")
    indexed = split_holdout(pairs, args.holdout, args.seed).join(users_df, "userId").join(items_df, "itemId").cache()
    if not user_ids:
        raise SystemExit("no training interactions in the archive and the recent export")

    metrics: Dict[str, float] = {}
    train_part = indexed.where("inTrain")
    reg_param = spark_reg_param(args, train_part)
    if args.holdout > 0:
        holdout_model = fit_als(train_part, args, reg_param)
        metrics = holdout_metrics(spark, holdout_model, indexed, len(item_ids), args.factors, args.k)
        metrics["holdoutPairs"] = float(indexed.where(~F.col("inTrain") & (F.col("weight") > 0)).count())

    # The shipped model learns from every pair; the metrics above describe the same recipe on the train part.
    final_reg_param = spark_reg_param(args, indexed)
    model = fit_als(indexed, args, final_reg_param)
    user_factors = factor_matrix(model.userFactors, len(user_ids), args.factors)
    item_factors = factor_matrix(model.itemFactors, len(item_ids), args.factors)

    out = args.out.rstrip("/")
    lines, broadcasts = batch_recommendations(spark, model, indexed, item_ids, args.factors, args.top_n)
    spark.createDataFrame(lines.map(lambda line: (line,)), "value string").write.mode("overwrite").text(
        out + "/batch-recs"
    )
    for broadcast in broadcasts:
        broadcast.destroy()

    now = datetime.now(timezone.utc)
    files = encode_model(
        version=args.version or new_model_version(now),
        created_at=iso_utc(now),
        user_ids=user_ids,
        item_ids=item_ids,
        user_factors=user_factors,
        item_factors=item_factors,
        parameters={
            "factors": args.factors,
            "iterations": args.iterations,
            # λ in the TypeScript sense, which fold-in applies; Spark's own value is kept beside it.
            "regularization": args.regularization,
            "alpha": args.alpha,
            "solver": "cholesky",
            "seed": args.seed,
            "implicitPrefs": True,
            "sparkRegParam": final_reg_param,
        },
        metrics=metrics,
        data_window={
            "from": window["from"],
            "to": window["to"],
            "interactions": int(window["rows"]),
        },
    )
    model_dir = (args.model_out or out + "/model").rstrip("/")
    put, remove = (
        hadoop_sink(spark, model_dir) if model_dir.startswith(OBJECT_STORE_SCHEMES) else local_sink(model_dir)
    )
    write_model(files, put, remove)
    summary = {
        "modelVersion": json.loads(files["manifest.json"])["modelVersion"],
        "users": len(user_ids),
        "items": len(item_ids),
        "metrics": metrics,
        "sparkRegParam": final_reg_param,
        "seconds": round(time.monotonic() - started, 3),
    }
    events.unpersist()
    indexed.unpersist()
    return summary


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    spark = build_spark(args)
    try:
        summary = run(args, spark)
    finally:
        spark.stop()
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
