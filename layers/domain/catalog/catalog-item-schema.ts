import { IdSchema } from "../events/event-schema.ts";
import { nonEmptyStringOfAtMost } from "../validation/bounded-string.ts";
import * as z from "../validation/zod.ts";
import { AttributesSchema } from "./attributes-schema.ts";
import { CATALOG_LIMITS } from "./catalog-limits.ts";
import { ResourceIdSchema } from "./resource-id-schema.ts";

const CategoriesSchema = z.array(IdSchema).check(
  z.maxLength(
    CATALOG_LIMITS.maxCategoriesPerItem,
    `must hold at most ${CATALOG_LIMITS.maxCategoriesPerItem} categories`,
  ),
  z.refine((categories) => new Set(categories).size === categories.length, "must not repeat a category"),
);

/**
 * The body of PUT /v1/items/{itemId}: the item as the client's catalog has it. A PUT replaces the item
 * (an absent title removes the title). Unknown fields are refused, so a typo such as `categroies` is a
 * 400, not a silently uncategorised item.
 */
export const CatalogItemBodySchema = z.strictObject({
  title: z.optional(nonEmptyStringOfAtMost(CATALOG_LIMITS.maxTitleLength)),
  categories: z._default(CategoriesSchema, []),
  /** False while the item cannot be sold or shown (out of stock): left out of every list until true again. */
  available: z._default(z.boolean(), true),
  attributes: z._default(AttributesSchema, {}),
});

/** One entry of POST /v1/items: an item body with its id. */
export const CatalogBatchItemSchema = z.strictObject({
  itemId: ResourceIdSchema,
  ...CatalogItemBodySchema.shape,
});

/**
 * The body of POST /v1/items: 1–1,000 items, each id once (which of two entries for one id should win is
 * the client's to say, not ours to guess).
 */
export const CatalogItemsBatchSchema = z.strictObject({
  items: z.array(CatalogBatchItemSchema).check(
    z.minLength(1, "must hold at least one item"),
    z.maxLength(
      CATALOG_LIMITS.maxItemsPerBatch,
      `must hold at most ${CATALOG_LIMITS.maxItemsPerBatch} items`,
    ),
    z.superRefine((items, context) => {
      const firstIndexOf = new Map<string, number>();
      items.forEach((item, index) => {
        const first = firstIndexOf.get(item.itemId);
        if (first === undefined) firstIndexOf.set(item.itemId, index);
        else
          context.addIssue({
            code: "custom",
            path: [index, "itemId"],
            message: `repeats items.${first}.itemId`,
          });
      });
    }),
  ),
});

/** An item as a client sends it, validated and with defaults applied. */
export type CatalogItemInput = z.output<typeof CatalogBatchItemSchema>;
