import * as z from "zod";
import { IdSchema } from "../events/event-schema.ts";
import { AttributesSchema } from "./attributes-schema.ts";
import { CATALOG_LIMITS } from "./catalog-limits.ts";
import { ResourceIdSchema } from "./resource-id-schema.ts";

const CategoriesSchema = z
  .array(IdSchema)
  .max(
    CATALOG_LIMITS.maxCategoriesPerItem,
    `must hold at most ${CATALOG_LIMITS.maxCategoriesPerItem} categories`,
  )
  .refine((categories) => new Set(categories).size === categories.length, "must not repeat a category");

/**
 * The body of PUT /v1/items/{itemId}: the item as the client's catalog has it. A PUT replaces the item
 * (an absent title removes the title). Unknown fields are refused, so a typo such as `categroies` is a
 * 400, not a silently uncategorised item.
 */
export const CatalogItemBodySchema = z.strictObject({
  title: z
    .string()
    .min(1, "must not be empty")
    .max(CATALOG_LIMITS.maxTitleLength, `must be at most ${CATALOG_LIMITS.maxTitleLength} characters`)
    .optional(),
  categories: CategoriesSchema.default([]),
  /** False while the item cannot be sold or shown (out of stock): left out of every list until true again. */
  available: z.boolean().default(true),
  attributes: AttributesSchema.default({}),
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
  items: z
    .array(CatalogBatchItemSchema)
    .min(1, "must hold at least one item")
    .max(CATALOG_LIMITS.maxItemsPerBatch, `must hold at most ${CATALOG_LIMITS.maxItemsPerBatch} items`)
    .superRefine((items, context) => {
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
});

/** An item as a client sends it, validated and with defaults applied. */
export type CatalogItemInput = z.output<typeof CatalogBatchItemSchema>;
