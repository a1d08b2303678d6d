// What a Lambda bundle gets for `node:http` (LAMBDA_BUNDLE_OPTIONS.alias): Node's http module, fetched
// without an ES import. An ES module namespace of node:http reads every export, and three of them
// (WebSocket, CloseEvent, MessageEvent) are lazy getters that load Node's WebSocket client: about 30 ms
// of every cold start that imports node:http, for classes no Flywheel handler uses. Bundled CommonJS
// exports are read only when used. See docs/lambda-packaging.md.
module.exports = process.getBuiltinModule("node:http");
