import { NotFoundError } from "../errors/domain-errors.ts";
import type { FactorModel } from "../model/factor-model.ts";
import { type ItemExclusion, type TopK, topKByInnerProduct } from "../scoring/top-k.ts";

/** Ranks items for a user of a trained model by the inner product of their factor vectors. */
export class FactorRecommender {
  readonly model: FactorModel;
  private userIndexById: Map<string, number> | undefined;
  private itemIndexById: Map<string, number> | undefined;

  constructor(model: FactorModel) {
    this.model = model;
  }

  /** The trained vector of the user at `user` (an index into model.userIds). */
  userVector(user: number): Float32Array {
    const f = this.model.factors;
    return this.model.userFactors.subarray(user * f, (user + 1) * f);
  }

  /** Top k by index, for offline evaluation (same index space as the training table). */
  recommend(user: number, k: number, exclude: ItemExclusion): Int32Array {
    return this.recommendIndices(user, k, exclude).items;
  }

  recommendIndices(user: number, k: number, exclude?: ItemExclusion): TopK {
    return topKByInnerProduct(this.userVector(user), this.model.itemFactors, this.model.factors, k, exclude);
  }

  /** Top k for an external user id, excluding the given external item ids (unknown ones are ignored). */
  recommendForUser(
    userId: string,
    k: number,
    excludeItemIds: Iterable<string> = [],
  ): Array<{ itemId: string; score: number }> {
    const user = this.userIndex(userId);
    if (user === undefined) throw new NotFoundError(`user ${userId} is not in model ${this.model.version}`);
    const exclude = new Set<number>();
    for (const id of excludeItemIds) {
      const item = this.itemIndex(id);
      if (item !== undefined) exclude.add(item);
    }
    const top = this.recommendIndices(user, k, exclude);
    return Array.from(top.items, (item, rank) => ({
      itemId: this.model.itemIds[item] as string,
      score: top.scores[rank] as number,
    }));
  }

  userIndex(userId: string): number | undefined {
    this.userIndexById ??= new Map(this.model.userIds.map((id, index) => [id, index]));
    return this.userIndexById.get(userId);
  }

  itemIndex(itemId: string): number | undefined {
    this.itemIndexById ??= new Map(this.model.itemIds.map((id, index) => [id, index]));
    return this.itemIndexById.get(itemId);
  }
}
