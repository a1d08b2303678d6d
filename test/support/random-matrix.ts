import { type CsrMatrix, csrFromTriples } from "../../layers/domain/matrix/csr-matrix.ts";
import { SeededRandom } from "../../layers/domain/random/seeded-random.ts";

/**
 * A random user × item weight matrix with clustered tastes, so ALS has structure to find.
 * Every user has at least `minPerUser` items; a share of entries are negative ("dismiss").
 */
export function randomInteractionMatrix(options: {
  users: number;
  items: number;
  perUser: number;
  seed: number;
  negativeShare?: number;
}): CsrMatrix {
  const random = new SeededRandom(options.seed);
  const clusters = 4;
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < options.users; u++) {
    const cluster = u % clusters;
    const count = 1 + random.nextInt(options.perUser * 2);
    for (let k = 0; k < count; k++) {
      const inCluster = random.next() < 0.8;
      let item = random.nextInt(options.items);
      if (inCluster) item = (Math.floor(item / clusters) * clusters + cluster) % options.items;
      const negative = random.next() < (options.negativeShare ?? 0);
      rows.push(u);
      cols.push(item);
      values.push(negative ? -1 : 1 + random.nextInt(4));
    }
  }
  return csrFromTriples(
    options.users,
    options.items,
    Int32Array.from(rows),
    Int32Array.from(cols),
    Float32Array.from(values),
    rows.length,
  );
}
