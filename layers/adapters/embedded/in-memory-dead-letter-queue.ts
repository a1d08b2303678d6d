import type { DeadLetter, DeadLetterQueue } from "../../ports/dead-letter-queue.ts";

/** Poison records kept in memory, for the embedded runtime and tests; `letters` lists them in arrival order. */
export class InMemoryDeadLetterQueue implements DeadLetterQueue {
  readonly letters: DeadLetter[] = [];

  async send(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) this.letters.push({ ...letter, payload: Uint8Array.from(letter.payload) });
  }
}
