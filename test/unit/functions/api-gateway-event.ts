import type { APIGatewayProxyEvent, Context } from "aws-lambda";

/** A minimal but complete REST proxy event for calling a handler directly in a unit test. */
export function apiGatewayEvent(options: { requestId?: string; path?: string } = {}): APIGatewayProxyEvent {
  const path = options.path ?? "/v1/x";
  return {
    resource: path,
    path,
    httpMethod: "GET",
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: "000000000000",
      apiId: "api",
      authorizer: undefined,
      protocol: "HTTP/1.1",
      httpMethod: "GET",
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: "127.0.0.1",
        user: null,
        userAgent: null,
        userArn: null,
      },
      path: `/dev${path}`,
      stage: "dev",
      requestId: options.requestId ?? "request-1",
      requestTimeEpoch: 0,
      resourceId: "abc123",
      resourcePath: path,
    },
  };
}

/** A Lambda context whose clock never runs out. */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: "f",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:f",
    memoryLimitInMB: "256",
    awsRequestId: "lambda-request-1",
    logGroupName: "/aws/lambda/f",
    logStreamName: "s",
    getRemainingTimeInMillis: () => 3000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
