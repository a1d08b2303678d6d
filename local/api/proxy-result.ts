import { z } from "zod";

/**
 * The proxy result (payload 1.0) API Gateway accepts from a Lambda. Anything else, extra top-level fields
 * included, is a "Malformed Lambda proxy response" and the client gets a 502.
 */
const HeaderValueSchema = z.union([z.string(), z.number(), z.boolean()]);
const ProxyResultSchema = z.strictObject({
  statusCode: z.number().int().min(100).max(599),
  headers: z.record(z.string(), HeaderValueSchema).nullish(),
  multiValueHeaders: z.record(z.string(), z.array(HeaderValueSchema)).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().nullish(),
});

export interface HttpReply {
  readonly statusCode: number;
  /** Lower-case names; several values for a name are sent as several header lines. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
}

export type ProxyResultConversion =
  | { readonly ok: true; readonly reply: HttpReply }
  | { readonly ok: false; readonly problem: string };

/**
 * Turns the handler's result into the HTTP reply API Gateway would send: `headers` and
 * `multiValueHeaders` merged into one list per name (a value in both appears once, as API Gateway
 * documents), a base64 body decoded to bytes, `content-type: application/json` when none was set.
 */
export function convertProxyResult(result: unknown): ProxyResultConversion {
  const parsed = ProxyResultSchema.safeParse(result);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "result" : issue.path.join(".");
    return {
      ok: false,
      problem: `Malformed Lambda proxy response (${where}: ${issue?.message ?? "invalid"})`,
    };
  }
  const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = parsed.data;
  const merged: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(multiValueHeaders ?? {}))
    merged[name.toLowerCase()] = [...(merged[name.toLowerCase()] ?? []), ...values.map(String)];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const list = merged[name.toLowerCase()] ?? [];
    merged[name.toLowerCase()] = list.includes(String(value)) ? list : [...list, String(value)];
  }
  merged["content-type"] ??= ["application/json"];
  const text = body ?? "";
  return {
    ok: true,
    reply: {
      statusCode,
      headers: merged,
      body: isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text, "utf8"),
    },
  };
}
