import type { IndexRecommender } from "../evaluation/evaluate-recommender.ts";
import type { InteractionTable } from "../interactions/interaction-table.ts";
import type { FactorModel } from "../model/factor-model.ts";
import { FactorRecommender } from "../recommenders/factor-recommender.ts";
import { isExcluded } from "../scoring/top-k.ts";

/**
 * Ranks with a model in the index space of an evaluation table whose ids the model may only partly know
 * (the active model was trained on older data; a Spark-trained candidate orders its ids its own way).
 * A user the model does not know gets no list, which scores zero: that is what serving such a user from
 * this model would be worth.
 */
export function modelRankingOnTable(model: FactorModel, table: InteractionTable): IndexRecommender {
  const recommender = new FactorRecommender(model);
  const tableItemOfModelItem = Int32Array.from(model.itemIds, (id) => table.items.indexOf(id) ?? -1);
  const seenCount = new Int32Array(table.users.size);
  for (let row = 0; row < table.length; row++) {
    const user = table.userIndex[row] as number;
    seenCount[user] = (seenCount[user] as number) + 1;
  }
  return {
    recommend(user, k, exclude) {
      const modelUser = recommender.userIndex(table.users.idAt(user));
      if (modelUser === undefined) return new Int32Array(0);
      // Enough extra candidates to survive dropping the user's training items and unknown ones.
      const wanted = Math.min(model.itemIds.length, k + (seenCount[user] as number));
      const top = recommender.recommendIndices(modelUser, wanted).items;
      const kept: number[] = [];
      for (let i = 0; i < top.length && kept.length < k; i++) {
        const item = tableItemOfModelItem[top[i] as number] as number;
        if (item >= 0 && !isExcluded(exclude, item)) kept.push(item);
      }
      return Int32Array.from(kept);
    },
  };
}
