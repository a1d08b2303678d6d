/**
 * Runs `work` over every element with at most `concurrency` in flight. After a failure no new work starts;
 * the call waits for what is in flight, so nothing still writes once it has returned, then rethrows.
 */
export async function forEachConcurrently<Element>(
  elements: readonly Element[],
  concurrency: number,
  work: (element: Element) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < elements.length) {
      const element = elements[next++] as Element;
      try {
        await work(element);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, elements.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}
