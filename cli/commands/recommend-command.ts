import {
  INTERACTION_FORMATS,
  loadInteractionsFromFile,
} from "../../layers/domain/interactions/interaction-loader.ts";
import { loadModel } from "../../layers/domain/model/model-artifact.ts";
import { FactorRecommender } from "../../layers/domain/recommenders/factor-recommender.ts";
import type { CliOptions } from "../cli-arguments.ts";

export const RECOMMEND_HELP = `flywheel recommend --model DIR --user ID [--k 10] [--seen FILE [--format F]]
  Prints the user's top k items from a trained model as JSON; with --seen, items the user already has
  in that interactions file are left out.`;

export async function recommendCommand(options: CliOptions): Promise<void> {
  const dir = options.requiredString("model");
  const userId = options.requiredString("user");
  const k = options.integer("k", 1, 10_000) ?? 10;
  const seenFile = options.string("seen");
  const format = options.choice("format", INTERACTION_FORMATS, "csv");
  options.rejectUnknown();
  const model = await loadModel(dir);
  const seen: string[] = [];
  if (seenFile !== undefined) {
    const { table } = await loadInteractionsFromFile(seenFile, { format });
    const user = table.users.indexOf(userId);
    for (let i = 0; i < table.length && user !== undefined; i++) {
      if (table.userIndex[i] === user) seen.push(table.items.idAt(table.itemIndex[i] as number));
    }
  }
  const items = new FactorRecommender(model).recommendForUser(userId, k, seen);
  console.log(JSON.stringify({ modelVersion: model.version, userId, items }));
}
