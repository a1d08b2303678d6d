import { saveModel } from "../../layers/domain/model/model-artifact.ts";
import { trainFactorModel } from "../../layers/domain/model/train-factor-model.ts";
import type { CliOptions } from "../cli-arguments.ts";
import { TerminalProgress } from "../terminal-progress.ts";
import { ALS_OPTIONS_HELP, alsParametersFrom } from "./als-options.ts";
import { INPUT_OPTIONS_HELP, loadInputFrom } from "./input-options.ts";

export const TRAIN_HELP = `flywheel train --input FILE [--format F] --out DIR [ALS options] [--loss]
  Trains implicit ALS and writes a model artifact (docs/model-format.md) to DIR.
${INPUT_OPTIONS_HELP}
${ALS_OPTIONS_HELP}
  --loss               compute and show the training loss each iteration`;

export async function trainCommand(options: CliOptions, defaultThreads: number): Promise<void> {
  const loaded = await loadInputFrom(options);
  const parameters = alsParametersFrom(options, defaultThreads);
  const out = options.requiredString("out");
  const computeLoss = options.flag("loss");
  options.rejectUnknown();
  const progress = new TerminalProgress();
  const trained = await trainFactorModel(loaded.table, parameters, {
    computeLoss,
    onIteration: (p) => {
      const loss = p.loss === undefined ? "" : ` loss ${p.loss.toExponential(4)}`;
      progress.line(`iteration ${p.iteration}/${p.iterations} ${p.seconds.toFixed(2)}s${loss}`);
      if (computeLoss && !process.stderr.isTTY) process.stderr.write(`iteration ${p.iteration}${loss}\n`);
    },
  });
  progress.done();
  await saveModel(out, trained.model);
  console.log(
    JSON.stringify({
      out,
      version: trained.model.version,
      users: trained.model.userIds.length,
      items: trained.model.itemIds.length,
      interactions: loaded.table.length,
      factors: parameters.factors,
      iterations: parameters.iterations,
      trainSeconds: Number(trained.trainSeconds.toFixed(3)),
      ...(computeLoss ? { finalLoss: trained.losses.at(-1) } : {}),
    }),
  );
}
