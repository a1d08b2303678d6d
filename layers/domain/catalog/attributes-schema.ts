import { nonEmptyStringOfAtMost } from "../validation/bounded-string.ts";
import * as z from "../validation/zod.ts";
import { CATALOG_LIMITS } from "./catalog-limits.ts";

/**
 * The id characters, starting with a letter or digit. The first character rules out `__proto__`, which
 * an object built from the parsed record would swallow (it sets the prototype instead of a key).
 */
const ATTRIBUTE_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._:@+=~-]*$/u;

const AttributeNameSchema = nonEmptyStringOfAtMost(
  CATALOG_LIMITS.maxAttributeNameLength,
  z.regex(
    ATTRIBUTE_NAME_PATTERN,
    "must start with a letter or digit and hold only those and . _ : @ + = ~ -",
  ),
);

const AttributeValueSchema = z
  .string()
  .check(
    z.maxLength(
      CATALOG_LIMITS.maxAttributeValueLength,
      `must be at most ${CATALOG_LIMITS.maxAttributeValueLength} characters`,
    ),
  );

/**
 * Free-form string attributes of an item or a user (`{ "brand": "Acme", "locale": "de-AT" }`), bounded in
 * entries and in bytes so that one record stays small in every store. Names use the id characters, so an
 * attribute can later be a filter or a Redis key part without escaping.
 */
export const AttributesSchema = z.record(AttributeNameSchema, AttributeValueSchema).check(
  z.refine(
    (attributes) => Object.keys(attributes).length <= CATALOG_LIMITS.maxAttributes,
    `must hold at most ${CATALOG_LIMITS.maxAttributes} entries`,
  ),
  z.refine(
    (attributes) =>
      Buffer.byteLength(JSON.stringify(attributes), "utf8") <= CATALOG_LIMITS.maxAttributesBytes,
    `must be at most ${CATALOG_LIMITS.maxAttributesBytes} bytes as JSON`,
  ),
  // The refinements above do not reach JSON Schema; these keywords state them in the OpenAPI document.
  z.meta({
    maxProperties: CATALOG_LIMITS.maxAttributes,
    description: `String attributes; at most ${CATALOG_LIMITS.maxAttributes} entries and ${CATALOG_LIMITS.maxAttributesBytes} bytes as JSON.`,
  }),
);

export type Attributes = z.output<typeof AttributesSchema>;
