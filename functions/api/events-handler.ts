import { eventBusFromEnvironment } from "../commons/event-bus-from-environment.ts";
import { createEventsHandler } from "./create-events-handler.ts";

// Built once per cold start; a missing stream name fails here, not on a request.
export const handler = createEventsHandler(eventBusFromEnvironment());
