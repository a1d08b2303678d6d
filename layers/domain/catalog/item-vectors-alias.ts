/**
 * The vector index alias that serving queries: the nightly pipeline builds `items-<version>` and swaps this
 * alias to it. Writes go to the physical index behind it (VectorIndex writes take no alias).
 */
export const ITEM_VECTORS_ALIAS = "items";
