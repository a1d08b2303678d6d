import { defaultProvider } from "@aws-sdk/credential-provider-node";
import type { AwsSigv4Signer as OfficialSigner } from "@opensearch-project/opensearch/aws-v3";
// The factory behind the library's own `aws-v3` signer (same Connection, Transport and signing), given the
// credential chain instead of finding it itself. The `aws-v3` entry finds it with an `import()` from
// CommonJS, and esbuild initializes whatever such an import reaches lazily, each module in a wrapper
// function: the SDK's credential provider and, through it, all of @smithy/core and @aws-sdk/core, in
// every bundle that holds the OpenSearch client (even where the client is loaded on first use). A wrapped
// module's code is compiled twice, once when the file is read and again when its wrapper first runs
// (docs/lambda-packaging.md, "What was wrong", item 16). A bundling test keeps such imports out. The file
// is reached through the package's `./*` export, not a documented entry: the SigV4 test in
// test/integration/adapters/opensearch-vector-index.test.ts fails if an upgrade moves or changes it.
import { giveAwsV4Signer } from "@opensearch-project/opensearch/lib/aws/shared.js";

/**
 * SigV4 for an OpenSearch domain (`es`) or collection (`aoss`) with the SDK's default credential chain,
 * which the official signer uses too; credentials are refreshed before they expire.
 */
export const openSearchSigv4Signer: typeof OfficialSigner = giveAwsV4Signer(defaultProvider());
