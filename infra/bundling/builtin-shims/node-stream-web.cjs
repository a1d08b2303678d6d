// What a Lambda bundle gets for `node:stream/web` (LAMBDA_BUNDLE_OPTIONS.alias): Node's web streams, loaded
// when first used. middy imports ReadableStream from it at the top of its core for streamed responses, which no
// Flywheel handler gives; the import alone loads the module (and its dependencies) at every cold start.
module.exports = require("./lazy-builtin.cjs")("node:stream/web", [
  "ReadableStream",
  "ReadableStreamTee",
  "ReadableStreamDefaultReader",
  "ReadableStreamBYOBReader",
  "ReadableStreamBYOBRequest",
  "ReadableByteStreamController",
  "ReadableStreamDefaultController",
  "TransformStream",
  "TransformStreamDefaultController",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "WritableStreamDefaultController",
  "ByteLengthQueuingStrategy",
  "CountQueuingStrategy",
  "TextEncoderStream",
  "TextDecoderStream",
  "CompressionStream",
  "DecompressionStream",
]);
