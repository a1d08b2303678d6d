import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { z } from "zod";
import { DeterministicRanker } from "../../layers/adapters/embedded/deterministic-ranker.ts";
import { listenOnLoopback } from "./listen-on-loopback.ts";

/** The endpoint name the local cloud serves unless told otherwise. */
export const DEFAULT_RANKER_ENDPOINT_NAME = "flywheel-ranker";

/** The account the stand-in pretends to be, as it appears in SageMaker's messages. */
const ACCOUNT_ID = "000000000000";
/** InvokeEndpoint's documented request payload limit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const INVOCATIONS_PATH = /^\/endpoints\/([^/]+)\/invocations$/;

/** The SDK error types a fault can be injected as, with the status SageMaker sends them with. */
const INJECTABLE_ERRORS = {
  InternalFailure: 500,
  ServiceUnavailable: 503,
  ModelError: 424,
  ModelNotReadyException: 429,
} as const;

export type InjectableErrorType = keyof typeof INJECTABLE_ERRORS;

export interface SageMakerRuntimeFaults {
  /** Every reply, success or error, waits this long first (a slow model; a huge value is a hang). @default 0 */
  readonly latencyMs?: number;
  /** Invocations fail with this error instead of being scored. @default none */
  readonly failWith?: InjectableErrorType;
  /** With failWith: only every n-th invocation fails (1: every one). @default 1 */
  readonly failEvery?: number;
}

export interface SageMakerRuntimeServerOptions {
  /** @default 0, a free port */
  readonly port?: number;
  /** Endpoints that exist; any other name is "not found". @default ["flywheel-ranker"] */
  readonly endpointNames?: readonly string[];
  /** The ranker's bonus lies in [0, bonusScale). @default the embedded DeterministicRanker's (0.01) */
  readonly bonusScale?: number;
  readonly faults?: SageMakerRuntimeFaults;
}

export interface SageMakerRuntimeServer {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME. */
  readonly url: string;
  readonly port: number;
  readonly endpointNames: readonly string[];
  /** Replaces the injected faults from now on (requests already waiting keep theirs). */
  setFaults(faults: SageMakerRuntimeFaults): void;
  /** Invocations of known endpoints so far, failed ones included. */
  invocationCount(): number;
  /** Closes the server and drops open connections, waiting replies included. */
  stop(): Promise<void>;
}

/**
 * The ranker container's request: the user and the candidates retrieval found, in retrieval order. Unknown
 * fields are refused so a client typo shows up as an error rather than as silently unused input.
 */
const RankRequestSchema = z.strictObject({
  userId: z.string().min(1),
  candidates: z.array(z.strictObject({ itemId: z.string().min(1), score: z.number() })).max(10_000),
});

/**
 * A local stand-in for the SageMaker runtime API: `POST /endpoints/{name}/invocations` (InvokeEndpoint) with
 * the wire shapes `@aws-sdk/client-sagemaker-runtime` sends and expects, in front of the embedded
 * DeterministicRanker, so the SageMaker adapter gives exactly the embedded ranker's scores. Contract:
 * docs/testing.md, "The SageMaker runtime stand-in".
 */
export async function startSageMakerRuntimeServer(
  options: SageMakerRuntimeServerOptions = {},
): Promise<SageMakerRuntimeServer> {
  const endpointNames = [...(options.endpointNames ?? [DEFAULT_RANKER_ENDPOINT_NAME])];
  const ranker = new DeterministicRanker(
    options.bonusScale === undefined ? {} : { bonusScale: options.bonusScale },
  );
  let faults: SageMakerRuntimeFaults = options.faults ?? {};
  let invocations = 0;
  const stopping = new AbortController();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only a bug gets here; the client sees a generic 500 and the detail stays in this process.
      console.error("sagemaker-runtime stand-in:", error);
      if (!res.headersSent)
        sendError(res, 500, "InternalFailure", { message: "An internal error occurred." });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const match = INVOCATIONS_PATH.exec(path);
    const encodedName = match?.[1];
    if (req.method !== "POST" || encodedName === undefined) {
      req.resume();
      sendError(res, 404, "UnknownOperationException", {
        message: `the local SageMaker runtime serves only POST /endpoints/{name}/invocations, not ${req.method} ${path}`,
      });
      return;
    }
    const body = await readBody(req);
    const endpointName = safeDecode(encodedName);
    if (endpointName === undefined || !endpointNames.includes(endpointName)) {
      sendError(res, 400, "ValidationError", {
        message: `Endpoint ${endpointName ?? encodedName} of account ${ACCOUNT_ID} not found.`,
      });
      return;
    }
    if (body === undefined) {
      sendError(res, 400, "ValidationError", {
        message: `Request payload is larger than the ${MAX_PAYLOAD_BYTES} bytes InvokeEndpoint accepts.`,
      });
      return;
    }

    invocations += 1;
    const current = faults;
    if ((current.latencyMs ?? 0) > 0) {
      try {
        await delay(current.latencyMs, undefined, { signal: stopping.signal });
      } catch {
        res.destroy();
        return;
      }
    }
    if (current.failWith !== undefined && invocations % Math.max(1, current.failEvery ?? 1) === 0) {
      sendInjectedError(res, current.failWith);
      return;
    }
    await invoke(req, res, body);
  }

  async function invoke(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    // What the ranker container itself would refuse, SageMaker reports as ModelError with the container's status.
    const contentType = req.headers["content-type"];
    if (contentType === undefined || !isJson(contentType)) {
      sendModelError(res, 415, `unsupported content type ${contentType ?? "(none)"}; send application/json`);
      return;
    }
    const accept = req.headers.accept;
    if (accept !== undefined && !acceptsJson(accept)) {
      sendModelError(res, 406, `cannot produce ${accept}; the ranker answers application/json`);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      sendModelError(res, 400, "body is not valid JSON");
      return;
    }
    const parsed = RankRequestSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue === undefined || issue.path.length === 0 ? "body" : issue.path.join(".");
      sendModelError(res, 400, `${field}: ${issue?.message ?? "invalid"}`);
      return;
    }
    const scores = await ranker.score(parsed.data.userId, parsed.data.candidates, Number.POSITIVE_INFINITY);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-amzn-requestid": randomUUID(),
      "x-amzn-invoked-production-variant": "AllTraffic",
    };
    const customAttributes = req.headers["x-amzn-sagemaker-custom-attributes"];
    if (typeof customAttributes === "string")
      headers["x-amzn-sagemaker-custom-attributes"] = customAttributes;
    res.writeHead(200, headers).end(JSON.stringify({ scores }));
  }

  const port = await listenOnLoopback(server, options.port, "the SageMaker stand-in");

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    endpointNames,
    setFaults: (next) => {
      faults = next;
    },
    invocationCount: () => invocations,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        stopping.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

/** The body, or undefined when it is over InvokeEndpoint's limit (the rest is drained, not kept). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    if (bytes <= MAX_PAYLOAD_BYTES) chunks.push(buffer);
  }
  return bytes > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks);
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function isJson(contentType: string): boolean {
  return contentType.split(";")[0]?.trim().toLowerCase() === "application/json";
}

function acceptsJson(accept: string): boolean {
  return accept
    .split(",")
    .map((range) => range.split(";")[0]?.trim().toLowerCase())
    .some((range) => range === "application/json" || range === "application/*" || range === "*/*");
}

/**
 * An error as the SDK's restJson1 deserializer reads it: the type in `x-amzn-errortype`, the fields of the
 * error shape in the JSON body.
 */
function sendError(
  res: ServerResponse,
  status: number,
  errorType: string,
  fields: Record<string, unknown>,
): void {
  res
    .writeHead(status, {
      "content-type": "application/json",
      "x-amzn-errortype": errorType,
      "x-amzn-requestid": randomUUID(),
    })
    .end(JSON.stringify(fields));
}

function sendModelError(res: ServerResponse, originalStatusCode: number, originalMessage: string): void {
  sendError(res, 424, "ModelError", {
    ErrorCode: "CLIENT_ERROR_FROM_MODEL",
    OriginalStatusCode: originalStatusCode,
    OriginalMessage: originalMessage,
    Message: `Received client error (${originalStatusCode}) from primary with message "${originalMessage}".`,
  });
}

function sendInjectedError(res: ServerResponse, errorType: InjectableErrorType): void {
  if (errorType === "ModelError") {
    sendError(res, 424, "ModelError", {
      ErrorCode: "SERVER_ERROR_FROM_MODEL",
      OriginalStatusCode: 500,
      OriginalMessage: "injected failure",
      Message: 'Received server error (500) from primary with message "injected failure".',
    });
    return;
  }
  sendError(res, INJECTABLE_ERRORS[errorType], errorType, { message: `injected ${errorType}` });
}
