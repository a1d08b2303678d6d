import * as z from "../../layers/domain/validation/zod.ts";

/**
 * The environment every Flywheel Lambda receives, whoever starts it: the CDK function construct
 * (infra/constructs/flywheel-function.ts) sets it in AWS, and the local API Gateway front sets the same
 * variables in-process. Resource names (tables, stream, bucket) are added per function by the `grant*`
 * helpers of the stacks, not here.
 */
export const FUNCTION_ENVIRONMENT_VARIABLES = {
  stageName: "FLYWHEEL_STAGE",
  version: "FLYWHEEL_VERSION",
} as const;

export interface FunctionEnvironment {
  /** The deployment stage (dev, prod, …; `local` for the local front). */
  readonly stageName: string;
  /** The version of the deployed code, reported by GET /v1/health. */
  readonly version: string;
}

/** The variables for `FunctionEnvironment`, as CDK and the local front set them. */
export function functionEnvironmentVariables(environment: FunctionEnvironment): Record<string, string> {
  return {
    [FUNCTION_ENVIRONMENT_VARIABLES.stageName]: environment.stageName,
    [FUNCTION_ENVIRONMENT_VARIABLES.version]: environment.version,
  };
}

const FunctionEnvironmentSchema = z.object({
  [FUNCTION_ENVIRONMENT_VARIABLES.stageName]: z.string().check(z.minLength(1)),
  [FUNCTION_ENVIRONMENT_VARIABLES.version]: z.string().check(z.minLength(1)),
});

/**
 * Reads the house variables once, at module load of a handler. A missing one fails the cold start with a
 * message naming it, rather than the first request with an undefined.
 */
export function readFunctionEnvironment(env: NodeJS.ProcessEnv = process.env): FunctionEnvironment {
  const parsed = FunctionEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => issue.path.join("."));
    throw new Error(`missing or empty environment variables: ${names.join(", ")}`);
  }
  return {
    stageName: parsed.data[FUNCTION_ENVIRONMENT_VARIABLES.stageName],
    version: parsed.data[FUNCTION_ENVIRONMENT_VARIABLES.version],
  };
}
