import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseInput } from "../../../functions/commons/parse-input.ts";
import { InvalidInputError } from "../../../layers/domain/errors/domain-errors.ts";

const Query = z.object({ limit: z.coerce.number().int().min(1).max(100) });
const Body = z.object({ events: z.array(z.object({ userId: z.string().min(1) })) });

describe("parseInput", () => {
  it("returns the typed value", () => {
    expect(parseInput(Query, { limit: "10" }, "queryStringParameters")).toEqual({ limit: 10 });
  });

  it("throws InvalidInputError naming the field by its path", () => {
    let thrown: unknown;
    try {
      parseInput(Body, { events: [{ userId: "u" }, { userId: "" }] }, "body");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect(thrown).toMatchObject({
      field: "body.events.1.userId",
      message: expect.stringMatching(/^body\.events\.1\.userId: /),
    });
  });

  it("names the part itself when the whole of it is wrong", () => {
    expect(() => parseInput(Query, null, "queryStringParameters")).toThrow(/^queryStringParameters: /);
  });
});
