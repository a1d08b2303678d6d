// What a Lambda bundle gets for `node:http2` (LAMBDA_BUNDLE_OPTIONS.alias): Node's HTTP/2 module, loaded when
// first used. The SDK's HTTP/2 request handler, the Kinesis client's default (for SubscribeToShard, which
// Flywheel does not call; kinesis-client.ts gives it the HTTP/1.1 handler), is bundled with that client and
// reads `constants` from the module at load: that object is a view that loads it on its first property read.
module.exports = require("./lazy-builtin.cjs")(
  "node:http2",
  [
    "connect",
    "constants",
    "createServer",
    "createSecureServer",
    "getDefaultSettings",
    "getPackedSettings",
    "getUnpackedSettings",
    "performServerHandshake",
    "sensitiveHeaders",
    "Http2ServerRequest",
    "Http2ServerResponse",
  ],
  ["constants"],
);
