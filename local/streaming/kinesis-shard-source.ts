import {
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from "@aws-sdk/client-kinesis";
import { toKinesisError } from "../../layers/adapters/aws/kinesis/kinesis-errors.ts";
import {
  type KinesisStreamRef,
  streamParameters,
} from "../../layers/adapters/aws/kinesis/kinesis-stream-ref.ts";
import type { ShardRecord } from "./kinesis-lambda-record.ts";

/** A shard and the shards it was split or merged from (read to their end before it). */
export interface ShardDescription {
  readonly shardId: string;
  readonly parentShardIds: readonly string[];
}

/** Where an iterator starts, as GetShardIterator's ShardIteratorType (AT_TIMESTAMP is not needed here). */
export type IteratorPosition =
  | { readonly type: "TRIM_HORIZON" }
  | { readonly type: "LATEST" }
  | { readonly type: "AT_SEQUENCE_NUMBER"; readonly sequenceNumber: string }
  | { readonly type: "AFTER_SEQUENCE_NUMBER"; readonly sequenceNumber: string };

export interface ShardRead {
  readonly records: readonly ShardRecord[];
  /** Undefined once a closed shard has been read to its end. */
  readonly nextIterator: string | undefined;
  /** 0 when the read reached the tip of the shard. */
  readonly millisBehindLatest: number;
}

/**
 * The reading side of a stream, as the event-source mapping uses it. The poller depends on this, not on the
 * SDK, so its loop can be tested on an in-memory stream.
 */
export interface ShardSource {
  /** The stream's ARN (its account and region are the event's). */
  describeStream(signal?: AbortSignal): Promise<{ readonly streamArn: string }>;
  listShards(signal?: AbortSignal): Promise<ShardDescription[]>;
  shardIterator(shardId: string, position: IteratorPosition, signal?: AbortSignal): Promise<string>;
  /** Throws ExpiredShardIteratorError when the iterator is too old (Kinesis: 5 minutes). */
  getRecords(shardId: string, iterator: string, limit: number, signal?: AbortSignal): Promise<ShardRead>;
}

/** The iterator expired before it was used; take a new one after the last record read. */
export class ExpiredShardIteratorError extends Error {
  override readonly name = "ExpiredShardIteratorError";
}

/** GetRecords returns at most this many records per call. */
export const GET_RECORDS_LIMIT = 10_000;

/**
 * The ShardSource of a Kinesis data stream, by name or ARN. Use a client without SDK retries over HTTP/1.1
 * (createKinesisClient): the poller retries itself, with backoff. SDK failures become the domain's
 * DependencyError/ThrottledError (toKinesisError), except an expired iterator.
 */
export function createKinesisShardSource(client: KinesisClient, stream: KinesisStreamRef): ShardSource {
  return {
    async describeStream(signal) {
      try {
        const response = await client.send(new DescribeStreamSummaryCommand(streamParameters(stream)), {
          abortSignal: signal,
        });
        const streamArn = response.StreamDescriptionSummary?.StreamARN;
        if (streamArn === undefined) throw new Error("DescribeStreamSummary answered no StreamARN");
        return { streamArn };
      } catch (error) {
        throw toKinesisError(error, "DescribeStreamSummary");
      }
    },

    async listShards(signal) {
      const shards: ShardDescription[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const response = await client.send(
            new ListShardsCommand(
              nextToken === undefined ? streamParameters(stream) : { NextToken: nextToken },
            ),
            { abortSignal: signal },
          );
          for (const shard of response.Shards ?? []) {
            if (shard.ShardId === undefined) continue;
            const parentShardIds = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
              (id): id is string => id !== undefined,
            );
            shards.push({ shardId: shard.ShardId, parentShardIds });
          }
          nextToken = response.NextToken;
        } while (nextToken !== undefined);
      } catch (error) {
        throw toKinesisError(error, "ListShards");
      }
      return shards;
    },

    async shardIterator(shardId, position, signal) {
      try {
        const response = await client.send(
          new GetShardIteratorCommand({
            ...streamParameters(stream),
            ShardId: shardId,
            ShardIteratorType: position.type,
            ...("sequenceNumber" in position ? { StartingSequenceNumber: position.sequenceNumber } : {}),
          }),
          { abortSignal: signal },
        );
        if (response.ShardIterator === undefined) throw new Error(`no iterator for shard ${shardId}`);
        return response.ShardIterator;
      } catch (error) {
        throw toKinesisError(error, "GetShardIterator");
      }
    },

    async getRecords(shardId, iterator, limit, signal) {
      try {
        const response = await client.send(
          new GetRecordsCommand({
            ...("streamArn" in stream ? { StreamARN: stream.streamArn } : {}),
            ShardIterator: iterator,
            Limit: Math.min(limit, GET_RECORDS_LIMIT),
          }),
          { abortSignal: signal },
        );
        return {
          records: (response.Records ?? []).map((record) => ({
            shardId,
            sequenceNumber: record.SequenceNumber ?? "",
            partitionKey: record.PartitionKey ?? "",
            data: record.Data ?? new Uint8Array(0),
            approximateArrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
          })),
          nextIterator: response.NextShardIterator,
          millisBehindLatest: response.MillisBehindLatest ?? 0,
        };
      } catch (error) {
        if (error instanceof ExpiredIteratorException) {
          throw new ExpiredShardIteratorError(`shard ${shardId}: ${error.message}`, { cause: error });
        }
        throw toKinesisError(error, "GetRecords");
      }
    },
  };
}
