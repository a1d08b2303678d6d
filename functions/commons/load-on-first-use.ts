/**
 * A value built the first time it is asked for, then shared by every later call: for adapters that only
 * some requests or some configurations need (the k-NN index of the realtime tier, the re-rank endpoint),
 * so that a cold start does not load their client libraries for requests that never use them. Callers
 * still check the adapter's configuration at start; only the library and the client wait. A failed load
 * is forgotten, so the next call tries again instead of failing for the life of the process.
 */
export function loadOnFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}
