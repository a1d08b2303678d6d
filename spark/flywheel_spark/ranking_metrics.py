"""Per-user ranking metrics at K, defined exactly as layers/domain/evaluation/ranking-metrics.ts.

Binary relevance; precision divides by K always; NDCG's ideal list has min(K, relevant) hits; MAP divides by
the number of relevant items ("relevant" normalisation); only the first occurrence of an item counts.
The job averages these over the users with at least one relevant held-out item.
"""

from __future__ import annotations

import math
from typing import Dict, Sequence, Set


def hit_ranks(recommended: Sequence[int], relevant: Set[int], k: int) -> list:
    ranks, seen = [], set()
    for position, item in enumerate(recommended[:k]):
        if item in seen:
            continue
        seen.add(item)
        if item in relevant:
            ranks.append(position + 1)
    return ranks


def user_metrics(recommended: Sequence[int], relevant: Set[int], k: int) -> Dict[str, float]:
    """precision, recall, ndcg and map at k for one user with at least one relevant item."""
    ranks = hit_ranks(recommended, relevant, k)
    dcg = sum(1.0 / math.log2(1 + rank) for rank in ranks)
    idcg = sum(1.0 / math.log2(1 + i) for i in range(1, min(k, len(relevant)) + 1))
    average_precision = sum((h + 1) / rank for h, rank in enumerate(ranks)) / len(relevant)
    return {
        "precision": len(ranks) / k,
        "recall": len(ranks) / len(relevant),
        "ndcg": dcg / idcg,
        "map": average_precision,
    }
