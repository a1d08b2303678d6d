import { describe, expect, inject, it } from "vitest";

describe("the local cloud's environment in a test worker", () => {
  it("reaches process.env: region, credentials and every endpoint", () => {
    const provided = inject("localCloudEnv");
    for (const name of [
      "AWS_REGION",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_ENDPOINT_URL_DYNAMODB",
      "AWS_ENDPOINT_URL_KINESIS",
      "AWS_ENDPOINT_URL_S3",
      "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME",
      "FLYWHEEL_REDIS_URL",
    ]) {
      expect(provided[name], name).toBeTruthy();
      expect(process.env[name], name).toBe(provided[name]);
    }
  });
});
