import { AttributesSchema } from "../catalog/attributes-schema.ts";
import * as z from "../validation/zod.ts";

/**
 * The body of PUT /v1/users/{userId}: the user's attributes (locale, segment, …), which replace the stored
 * ones. Wrapped in an object so that other user fields can join later without breaking the contract.
 */
export const UserAttributesBodySchema = z.strictObject({ attributes: AttributesSchema });

export type UserAttributesBody = z.output<typeof UserAttributesBodySchema>;
