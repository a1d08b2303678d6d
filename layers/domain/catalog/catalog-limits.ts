/**
 * The limits of the catalog and user contracts (PUT/POST /v1/items, PUT /v1/users/{id}), in one place: the
 * schemas validate against them and the OpenAPI document states them. They are chosen so that any item the
 * schema accepts fits a single PUT body (at most about 30 KB as JSON), far under DynamoDB's 400 KB item.
 */
export const CATALOG_LIMITS = {
  /** Items in one POST /v1/items body. */
  maxItemsPerBatch: 1000,
  /** Categories of one item (each an id). */
  maxCategoriesPerItem: 20,
  /** Characters of an item's title. */
  maxTitleLength: 500,
  /** Entries of an item's or a user's `attributes`. */
  maxAttributes: 50,
  /** Characters of an attribute name. */
  maxAttributeNameLength: 64,
  /** Characters of an attribute value. */
  maxAttributeValueLength: 1000,
  /** Bytes of an `attributes` object as JSON, whatever the entries. */
  maxAttributesBytes: 8 * 1024,
  /** Bytes of a PUT /v1/items/{id} or PUT /v1/users/{id} body. */
  maxSingleRequestBytes: 64 * 1024,
  /**
   * Bytes of a POST /v1/items body: under Lambda's 6 MB synchronous payload, which applies to the whole
   * event, so a batch over it gets a 413 that names the limit instead of API Gateway's bare 502.
   */
  maxBatchRequestBytes: 5 * 1024 * 1024,
} as const;
