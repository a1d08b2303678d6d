import type { IndexedVector, VectorHit, VectorIndex, VectorQuery } from "../../layers/ports/vector-index.ts";

/**
 * A vector index whose backend is decided later: the OpenSearch node boots in the background while the
 * rest of the runtime starts, and only the first call that needs item vectors (the nightly run's
 * RefreshVectors step, a k-NN query) waits for the decision, which is OpenSearch once it answers or the
 * embedded index when it cannot start. Every call after that goes straight to the chosen index.
 */
export class DeferredVectorIndex implements VectorIndex {
  private readonly chosen: Promise<VectorIndex>;

  constructor(chosen: Promise<VectorIndex>) {
    this.chosen = chosen;
  }

  async createIndex(name: string, dimensions: number): Promise<void> {
    return (await this.chosen).createIndex(name, dimensions);
  }

  async upsert(index: string, vectors: readonly IndexedVector[]): Promise<void> {
    return (await this.chosen).upsert(index, vectors);
  }

  async remove(index: string, itemIds: readonly string[]): Promise<void> {
    return (await this.chosen).remove(index, itemIds);
  }

  async setAvailability(index: string, itemIds: readonly string[], available: boolean): Promise<void> {
    return (await this.chosen).setAvailability(index, itemIds, available);
  }

  async count(index: string): Promise<number> {
    return (await this.chosen).count(index);
  }

  async query(indexOrAlias: string, query: VectorQuery): Promise<VectorHit[]> {
    return (await this.chosen).query(indexOrAlias, query);
  }

  async swapAlias(alias: string, index: string): Promise<void> {
    return (await this.chosen).swapAlias(alias, index);
  }

  async resolveAlias(alias: string): Promise<string | undefined> {
    return (await this.chosen).resolveAlias(alias);
  }

  async listIndices(prefix: string): Promise<string[]> {
    return (await this.chosen).listIndices(prefix);
  }

  async deleteIndex(index: string): Promise<void> {
    return (await this.chosen).deleteIndex(index);
  }
}
