// Types for the OpenSearch client's signer factory (lib/aws/shared.js ships without them); see
// opensearch-sigv4-signer.ts for why it is used directly.
declare module "@opensearch-project/opensearch/lib/aws/shared.js" {
  import type { AwsSigv4Signer } from "@opensearch-project/opensearch/aws-v3";
  import type { AwsCredentialIdentity } from "@smithy/types";

  export function giveAwsV4Signer(
    defaultCredentials: () => Promise<AwsCredentialIdentity>,
  ): typeof AwsSigv4Signer;
}
