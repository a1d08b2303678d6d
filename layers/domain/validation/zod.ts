import { config } from "zod/mini";
import english from "zod/v4/locales/en.js";

/**
 * zod's functional build (`zod/mini`), with zod's English messages: what every Flywheel schema that runs in
 * a Lambda is built with. Import it as `import * as z from ".../layers/domain/validation/zod.ts"`.
 *
 * Why mini: its schemas are plain functions over zod's core, so a bundle keeps only what it uses (about
 * 20 KB against about 95 KB of the method-chaining build) and builds its schemas faster at cold start
 * (docs/lambda-packaging.md, "What was wrong", 14). The checks, parsing and issues are zod's core in both.
 *
 * Why the locale here: mini registers no messages by default (every issue would read "Invalid input"),
 * and the API's 400s quote zod's message wherever a schema does not give its own. Set once, at the first
 * import of any schema module.
 */
config(english());

export * from "zod/mini";
