import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  CAPACITY_DOC,
  capacityDocSections,
  docSection,
  withSections,
} from "../../../infra/capacity/capacity-doc-sections.ts";

describe("docs/capacity.md", () => {
  it("shows the current model's output in every generated section", async () => {
    const doc = await readFile(CAPACITY_DOC, "utf8");
    for (const [name, expected] of Object.entries(capacityDocSections())) {
      // When this fails: `npx node infra/capacity/capacity-doc-sections.ts` rewrites the sections.
      expect(docSection(doc, name), `section ${name}`).toBe(expected);
    }
  });

  it("replaces a section between its markers and leaves the rest alone", () => {
    const doc = "before\n<!-- capacity:x:begin -->\nold\n<!-- capacity:x:end -->\nafter\n";
    const rewritten = withSections(doc, { x: "new\n" });
    expect(rewritten).toBe("before\n<!-- capacity:x:begin -->\nnew\n<!-- capacity:x:end -->\nafter\n");
    expect(docSection(rewritten, "x")).toBe("new\n");
    expect(() => withSections("no markers", { x: "new\n" })).toThrow(/no <!-- capacity:x:begin -->/);
  });
});
