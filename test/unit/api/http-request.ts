import { type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from "node:http";

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Node's rawHeaders: names as sent, duplicates kept. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly text: string;
}

export interface HttpRequestOptions {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
}

/**
 * One HTTP/1.1 request to 127.0.0.1 with the path sent exactly as given (no URL normalisation, so
 * encoded and odd paths reach the server as written), the whole reply buffered.
 */
export function httpRequest(
  port: number,
  path: string,
  options: HttpRequestOptions = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers ?? {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            rawHeaders: response.rawHeaders,
            body,
            text: body.toString("utf8"),
          });
        });
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}
