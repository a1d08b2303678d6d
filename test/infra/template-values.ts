import { z } from "zod";

// Reading values of a synthesized template: the joins CDK renders references into, as text.

const JoinSchema = z.object({ "Fn::Join": z.tuple([z.string(), z.array(z.unknown())]) });
const RefSchema = z.object({ Ref: z.string() });

/**
 * An Fn::Join of literals and references as one string, each reference written as `{<its JSON>}`:
 * `s3://{{"Ref":"Bucket"}}/spark/x.json`. A literal stays as it is.
 */
export function joinedText(value: unknown): string {
  if (typeof value === "string") return value;
  const join = JoinSchema.safeParse(value);
  if (join.success) return join.data["Fn::Join"][1].map(joinedText).join(join.data["Fn::Join"][0]);
  return `{${JSON.stringify(value)}}`;
}

/**
 * A value as CloudFormation would deploy it into `env`: the pseudo parameters (partition, region, account)
 * filled in and every other reference standing in as `resolved`. Enough for a reader that checks that a
 * variable is set, is a URL (`https://resolved`) or an ARN.
 */
export function deployedValue(
  value: unknown,
  env: { readonly account: string; readonly region: string },
): string {
  if (typeof value === "string") return value;
  const join = JoinSchema.safeParse(value);
  if (join.success)
    return join.data["Fn::Join"][1].map((part) => deployedValue(part, env)).join(join.data["Fn::Join"][0]);
  const pseudo: Record<string, string> = {
    "AWS::Partition": "aws",
    "AWS::Region": env.region,
    "AWS::AccountId": env.account,
  };
  const ref = RefSchema.safeParse(value);
  return (ref.success ? pseudo[ref.data.Ref] : undefined) ?? "resolved";
}
