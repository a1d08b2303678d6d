#!/usr/bin/env node
// The `flywheel` developer CLI. Thin: parse and validate arguments, call one domain function, print JSON.
// Domain errors become a one-line message and exit code 2; anything else a generic line and exit code 1
// (FLYWHEEL_DEBUG=1 shows the stack) — never a stack trace by default.
import { availableParallelism } from "node:os";
import { DomainError } from "../layers/domain/errors/domain-errors.ts";
import { CliOptions } from "./cli-arguments.ts";
import { CAPACITY_FLAGS, CAPACITY_HELP, capacityCommand } from "./commands/capacity-command.ts";
import { EVALUATE_HELP, evaluateCommand } from "./commands/evaluate-command.ts";
import { GENERATE_HELP, generateCommand } from "./commands/generate-command.ts";
import { RECOMMEND_HELP, recommendCommand } from "./commands/recommend-command.ts";
import { TRAIN_HELP, trainCommand } from "./commands/train-command.ts";

const USAGE = `flywheel — the Flywheel recommender's developer CLI

${GENERATE_HELP}

${TRAIN_HELP}

${EVALUATE_HELP}

${RECOMMEND_HELP}

${CAPACITY_HELP}
`;

const LOSS_FLAGS = ["loss", "skip-malformed", "help", ...CAPACITY_FLAGS];

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const options = CliOptions.parse(rest, LOSS_FLAGS);
  if (options.flag("help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const threads = Math.max(1, Math.min(2, availableParallelism()));
  switch (command) {
    case "generate":
      await generateCommand(options);
      return 0;
    case "train":
      await trainCommand(options, threads);
      return 0;
    case "evaluate":
      await evaluateCommand(options, threads);
      return 0;
    case "recommend":
      await recommendCommand(options);
      return 0;
    case "capacity":
      process.stdout.write(capacityCommand(options));
      return 0;
    default:
      process.stderr.write(`flywheel: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof DomainError) {
    process.stderr.write(`flywheel: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`flywheel: unexpected failure: ${message}\n`);
    if (process.env.FLYWHEEL_DEBUG === "1" && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}
