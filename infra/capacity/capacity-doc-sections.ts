import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { capacityReport } from "./capacity-report.ts";
import { renderScenariosMarkdown, scenarioInputs, scenarioReports } from "./capacity-scenarios.ts";
import { renderReportMarkdown } from "./render-capacity-report.ts";

/**
 * The generated parts of docs/capacity.md, between `<!-- capacity:NAME:begin -->` and
 * `<!-- capacity:NAME:end -->`. `npx node infra/capacity/capacity-doc-sections.ts` rewrites them from the
 * current model and prices; test/unit/capacity/capacity-doc.test.ts fails while the doc differs.
 */

export const CAPACITY_DOC = fileURLToPath(new URL("../../docs/capacity.md", import.meta.url));

/** The worked example of the doc: the 1M-user scenario in full. */
export const EXAMPLE_USERS = 1_000_000;

export function capacityDocSections(): Record<string, string> {
  const example = scenarioInputs(EXAMPLE_USERS);
  return {
    scenarios: renderScenariosMarkdown(scenarioReports()),
    example: [
      "```sh",
      `npm run -s flywheel -- capacity --users ${example.users} --items ${example.items} --rps ${example.rps} --events-per-sec ${example.eventsPerSec} --format markdown`,
      "```",
      "",
      renderReportMarkdown(capacityReport(example)),
    ].join("\n"),
  };
}

function markers(name: string): { begin: string; end: string } {
  return { begin: `<!-- capacity:${name}:begin -->`, end: `<!-- capacity:${name}:end -->` };
}

/** The text between a section's markers, or undefined when the doc lacks them. */
export function docSection(doc: string, name: string): string | undefined {
  const { begin, end } = markers(name);
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return doc.slice(from + begin.length, to).replace(/^\n/, "");
}

/** The doc with every section's content replaced; a section whose markers are missing is an error. */
export function withSections(doc: string, sections: Record<string, string>): string {
  let out = doc;
  for (const [name, content] of Object.entries(sections)) {
    const { begin, end } = markers(name);
    const from = out.indexOf(begin);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/capacity.md has no ${begin} … ${end} section`);
    out = `${out.slice(0, from + begin.length)}\n${content}${out.slice(to)}`;
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const doc = await readFile(CAPACITY_DOC, "utf8");
  await writeFile(CAPACITY_DOC, withSections(doc, capacityDocSections()));
  console.log(`rewrote the generated sections of ${CAPACITY_DOC}`);
}
