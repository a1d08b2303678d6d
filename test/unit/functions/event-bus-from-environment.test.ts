import { afterEach, describe, expect, it } from "vitest";
import {
  BUNDLED_EVENT_BUS_VARIABLE,
  EVENT_BUS_KIND_VARIABLE,
  eventBusFromEnvironment,
} from "../../../functions/commons/event-bus-from-environment.ts";
import { placeholderInitEnvironment } from "../../../infra/bundling/placeholder-init-environment.ts";
import { KinesisEventBus } from "../../../layers/adapters/aws/kinesis/kinesis-event-bus.ts";

// Which bus a handler publishes to, from its environment. No bus is called: building one opens nothing.

const KINESIS_ENV = placeholderInitEnvironment("flywheel-events");
const MSK_ENV = placeholderInitEnvironment("flywheel-events", { [EVENT_BUS_KIND_VARIABLE]: "msk" });

afterEach(() => {
  delete process.env[BUNDLED_EVENT_BUS_VARIABLE];
});

describe("eventBusFromEnvironment", () => {
  it("publishes to the Kinesis stream by default, and needs the stream's name", () => {
    expect(eventBusFromEnvironment(KINESIS_ENV)).toBeInstanceOf(KinesisEventBus);
    const { FLYWHEEL_EVENT_STREAM_NAME: _name, ...withoutStream } = KINESIS_ENV;
    expect(() => eventBusFromEnvironment(withoutStream)).toThrow(/FLYWHEEL_EVENT_STREAM_NAME/);
  });

  it("refuses a bus it does not know, naming the variable", () => {
    expect(() => eventBusFromEnvironment({ ...KINESIS_ENV, [EVENT_BUS_KIND_VARIABLE]: "sqs" })).toThrow(
      /FLYWHEEL_EVENT_BUS must be kinesis or msk/,
    );
  });

  it("builds the MSK bus when the code carries the Kafka client (tests, the local runtime, MSK stages)", () => {
    const bus = eventBusFromEnvironment(MSK_ENV);
    expect(bus).not.toBeInstanceOf(KinesisEventBus);
    expect(typeof bus.publish).toBe("function");
  });

  it("says so at start when a bundle built for a Kinesis stage is configured for MSK", () => {
    // What the function construct's define makes constant in a Kinesis stage's bundles.
    process.env[BUNDLED_EVENT_BUS_VARIABLE] = "kinesis";
    expect(() => eventBusFromEnvironment(MSK_ENV)).toThrow(/built for a Kinesis stage/);
    expect(eventBusFromEnvironment(KINESIS_ENV)).toBeInstanceOf(KinesisEventBus);
  });
});
