"""The model artifact (docs/model-format.md), encoded exactly as layers/domain/model/model-artifact.ts does.

Pure functions build the file bytes; `write_model` puts them through any byte sink (a local directory or
Hadoop's FileSystem, which reaches S3 on EMR), the five data files first and manifest.json last.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
USER_IDS_FILE = "user-ids.json"
ITEM_IDS_FILE = "item-ids.json"
USER_FACTORS_FILE = "user-factors.f32"
ITEM_FACTORS_FILE = "item-factors.f32"
GRAM_FILE = "gram.f32"
DATA_FILES = (USER_IDS_FILE, ITEM_IDS_FILE, USER_FACTORS_FILE, ITEM_FACTORS_FILE, GRAM_FILE)
MODEL_VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def gram_matrix(item_factors: np.ndarray) -> np.ndarray:
    """YᵀY accumulated in float64 (the format asks for one rounding to float32, at encoding)."""
    y = np.asarray(item_factors, dtype=np.float64)
    return y.T @ y


def float32_le(matrix: np.ndarray) -> bytes:
    return np.ascontiguousarray(matrix, dtype="<f4").tobytes()


def encode_model(
    *,
    version: str,
    created_at: str,
    user_ids: Sequence[str],
    item_ids: Sequence[str],
    user_factors: np.ndarray,
    item_factors: np.ndarray,
    parameters: Dict[str, object],
    metrics: Dict[str, float],
    data_window: Dict[str, Optional[float]],
) -> Dict[str, bytes]:
    """Every file of the model, manifest included, keyed by name (data files in manifest order)."""
    if not MODEL_VERSION_PATTERN.match(version):
        raise ValueError(f"model version must match {MODEL_VERSION_PATTERN.pattern}, got {version!r}")
    rank = int(parameters["factors"])
    users, items = len(user_ids), len(item_ids)
    if user_factors.shape != (users, rank) or item_factors.shape != (items, rank):
        raise ValueError(
            f"factor shapes {user_factors.shape} / {item_factors.shape} do not match "
            f"{users} users / {items} items × {rank} factors"
        )
    for name, value in metrics.items():
        if not np.isfinite(value):
            raise ValueError(f"metric {name} must be finite, got {value}")
    data = {
        USER_IDS_FILE: json.dumps(list(user_ids)).encode("utf-8"),
        ITEM_IDS_FILE: json.dumps(list(item_ids)).encode("utf-8"),
        USER_FACTORS_FILE: float32_le(user_factors),
        ITEM_FACTORS_FILE: float32_le(item_factors),
        GRAM_FILE: float32_le(gram_matrix(item_factors)),
    }
    shapes = {
        USER_IDS_FILE: ("json-utf8", [users]),
        ITEM_IDS_FILE: ("json-utf8", [items]),
        USER_FACTORS_FILE: ("float32le", [users, rank]),
        ITEM_FACTORS_FILE: ("float32le", [items, rank]),
        GRAM_FILE: ("float32le", [rank, rank]),
    }
    manifest = {
        "formatVersion": FORMAT_VERSION,
        "modelVersion": version,
        "createdAt": created_at,
        "factors": rank,
        "users": users,
        "items": items,
        "parameters": parameters,
        "metrics": metrics,
        "dataWindow": data_window,
        "files": [
            {
                "name": name,
                "dtype": shapes[name][0],
                "shape": shapes[name][1],
                "byteLength": len(payload),
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
            for name, payload in data.items()
        ],
    }
    files = dict(data)
    # The TypeScript writer's layout: two-space indent and a final newline.
    files[MANIFEST_FILE] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    return files


def write_model(files: Dict[str, bytes], put: Callable[[str, bytes], None], remove: Callable[[str], None]) -> List[str]:
    """Writes the files through `put` (which must itself be atomic per file), the manifest last.

    A previous manifest is removed first, so a reader never sees a mix of two models.
    """
    remove(MANIFEST_FILE)
    for name in DATA_FILES:
        put(name, files[name])
    put(MANIFEST_FILE, files[MANIFEST_FILE])
    return [*DATA_FILES, MANIFEST_FILE]
