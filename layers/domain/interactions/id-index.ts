/** Maps external string ids to dense 0-based indices, in order of first appearance. */
export class IdIndex {
  private readonly indexById = new Map<string, number>();
  private readonly idByIndex: string[] = [];

  static fromIds(ids: readonly string[]): IdIndex {
    const index = new IdIndex();
    for (const id of ids) index.intern(id);
    return index;
  }

  get size(): number {
    return this.idByIndex.length;
  }

  /** The index of `id`, assigning the next one when it is new. */
  intern(id: string): number {
    let index = this.indexById.get(id);
    if (index === undefined) {
      index = this.idByIndex.length;
      this.indexById.set(id, index);
      this.idByIndex.push(id);
    }
    return index;
  }

  indexOf(id: string): number | undefined {
    return this.indexById.get(id);
  }

  idAt(index: number): string {
    const id = this.idByIndex[index];
    if (id === undefined) throw new RangeError(`no id at index ${index} (size ${this.size})`);
    return id;
  }

  ids(): readonly string[] {
    return this.idByIndex;
  }
}
