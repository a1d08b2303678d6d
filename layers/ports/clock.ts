/**
 * The current time in epoch milliseconds. Adapters whose behaviour depends on time take one, so tests move
 * time forward instead of sleeping.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
