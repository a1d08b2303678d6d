import { IdIndex } from "./id-index.ts";

/**
 * Interactions held column-wise in typed arrays, so tens of millions of rows fit in memory.
 * `weight` is the raw training weight (event-type weight × value); `timestamp` is epoch seconds, NaN when unknown.
 */
export interface InteractionTable {
  readonly users: IdIndex;
  readonly items: IdIndex;
  readonly length: number;
  readonly userIndex: Int32Array;
  readonly itemIndex: Int32Array;
  readonly weight: Float32Array;
  readonly timestamp: Float64Array;
}

/** Appends rows into growing typed arrays, interning ids as it goes. */
export class InteractionTableBuilder {
  readonly users: IdIndex;
  readonly items: IdIndex;
  private count = 0;
  private userIndex = new Int32Array(1024);
  private itemIndex = new Int32Array(1024);
  private weight = new Float32Array(1024);
  private timestamp = new Float64Array(1024);

  constructor(users: IdIndex = new IdIndex(), items: IdIndex = new IdIndex()) {
    this.users = users;
    this.items = items;
  }

  get length(): number {
    return this.count;
  }

  add(userId: string, itemId: string, weight: number, timestamp = Number.NaN): void {
    this.addIndexed(this.users.intern(userId), this.items.intern(itemId), weight, timestamp);
  }

  addIndexed(user: number, item: number, weight: number, timestamp = Number.NaN): void {
    if (this.count === this.userIndex.length) this.grow();
    this.userIndex[this.count] = user;
    this.itemIndex[this.count] = item;
    this.weight[this.count] = weight;
    this.timestamp[this.count] = timestamp;
    this.count++;
  }

  build(): InteractionTable {
    const n = this.count;
    return {
      users: this.users,
      items: this.items,
      length: n,
      userIndex: this.userIndex.slice(0, n),
      itemIndex: this.itemIndex.slice(0, n),
      weight: this.weight.slice(0, n),
      timestamp: this.timestamp.slice(0, n),
    };
  }

  private grow(): void {
    const capacity = this.userIndex.length * 2;
    this.userIndex = copyInto(new Int32Array(capacity), this.userIndex);
    this.itemIndex = copyInto(new Int32Array(capacity), this.itemIndex);
    this.weight = copyInto(new Float32Array(capacity), this.weight);
    this.timestamp = copyInto(new Float64Array(capacity), this.timestamp);
  }
}

function copyInto<T extends Int32Array | Float32Array | Float64Array>(target: T, source: T): T {
  target.set(source as never);
  return target;
}

/** Selects rows of a table by position, keeping the same id indices (train/test splits share them). */
export function selectRows(table: InteractionTable, rows: Int32Array | readonly number[]): InteractionTable {
  const n = rows.length;
  const userIndex = new Int32Array(n);
  const itemIndex = new Int32Array(n);
  const weight = new Float32Array(n);
  const timestamp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as number;
    userIndex[i] = table.userIndex[row] as number;
    itemIndex[i] = table.itemIndex[row] as number;
    weight[i] = table.weight[row] as number;
    timestamp[i] = table.timestamp[row] as number;
  }
  return { users: table.users, items: table.items, length: n, userIndex, itemIndex, weight, timestamp };
}

/**
 * Row positions grouped by user, a counting sort: user u's rows are rows[start[u] .. start[u+1]), in table
 * order. Splits and evaluation both walk a table user by user.
 */
export function rowsGroupedByUser(table: InteractionTable): { start: Int32Array; rows: Int32Array } {
  const userCount = table.users.size;
  const start = new Int32Array(userCount + 1);
  for (let row = 0; row < table.length; row++) {
    const next = (table.userIndex[row] as number) + 1;
    start[next] = (start[next] as number) + 1;
  }
  for (let user = 0; user < userCount; user++) {
    start[user + 1] = (start[user + 1] as number) + (start[user] as number);
  }
  const cursor = start.slice(0, userCount);
  const rows = new Int32Array(table.length);
  for (let row = 0; row < table.length; row++) {
    const user = table.userIndex[row] as number;
    const at = cursor[user] as number;
    rows[at] = row;
    cursor[user] = at + 1;
  }
  return { start, rows };
}
