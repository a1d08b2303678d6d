import eventWeightsFile from "./event-weights.json" with { type: "json" };

export const EVENT_TYPES = [
  "view",
  "click",
  "add_to_cart",
  "purchase",
  "rate",
  "dismiss",
  "impression",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type EventWeights = Readonly<Record<EventType, number>>;

/** The shipped weights (event-weights.json, shared with the Spark job). */
export const DEFAULT_EVENT_WEIGHTS: EventWeights = Object.freeze({ ...eventWeightsFile.weights });

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * The raw training weight of one event: the type's weight, scaled by the event's value where the type
 * carries one (a rating, a quantity). `rate` events use the rating itself as the weight.
 */
export function eventWeight(
  type: EventType,
  value: number | undefined,
  weights: EventWeights = DEFAULT_EVENT_WEIGHTS,
): number {
  const base = weights[type];
  if (value === undefined || Number.isNaN(value)) return base;
  return base * value;
}
