import { InvalidInputError } from "../errors/domain-errors.ts";

export const INTERACTION_FORMATS = ["csv", "movielens-100k", "movielens-csv"] as const;
export type InteractionFormat = (typeof INTERACTION_FORMATS)[number];

export function isInteractionFormat(value: string): value is InteractionFormat {
  return (INTERACTION_FORMATS as readonly string[]).includes(value);
}

/** The fields a row can carry. */
export type InteractionField = "user" | "item" | "value" | "timestamp" | "eventType";

/** Where each field sits in a row (-1 when the file has no such column) and what to call it in messages. */
export interface ColumnLayout {
  readonly columnCount: number;
  readonly user: number;
  readonly item: number;
  readonly value: number;
  readonly timestamp: number;
  readonly eventType: number;
  readonly names: Readonly<Record<InteractionField, string>>;
}

/** How one file format is laid out and which of its fields must be filled in. */
export interface InteractionFormatSpec {
  readonly format: InteractionFormat;
  /** Char code of the field separator. */
  readonly delimiter: number;
  /** Whether double-quoted fields are recognised. */
  readonly quoted: boolean;
  /** Column names by field when the file starts with a header; absent fields are optional columns. */
  readonly header: HeaderSpec | undefined;
  /** The layout of header-less formats. */
  readonly fixedLayout: ColumnLayout | undefined;
  /** An empty value cell is malformed (ratings files) rather than "use the default". */
  readonly valueRequired: boolean;
  readonly timestampRequired: boolean;
}

interface HeaderSpec {
  readonly names: Readonly<Record<InteractionField, string | undefined>>;
  readonly required: readonly InteractionField[];
}

const COMMA = 44;
const TAB = 9;

const SPECS: Readonly<Record<InteractionFormat, InteractionFormatSpec>> = {
  csv: {
    format: "csv",
    delimiter: COMMA,
    quoted: true,
    header: {
      names: {
        user: "user_id",
        item: "item_id",
        value: "value",
        timestamp: "timestamp",
        eventType: "event_type",
      },
      required: ["user", "item"],
    },
    fixedLayout: undefined,
    valueRequired: false,
    timestampRequired: false,
  },
  "movielens-csv": {
    format: "movielens-csv",
    delimiter: COMMA,
    quoted: true,
    header: {
      names: {
        user: "userId",
        item: "movieId",
        value: "rating",
        timestamp: "timestamp",
        eventType: undefined,
      },
      required: ["user", "item", "value", "timestamp"],
    },
    fixedLayout: undefined,
    valueRequired: true,
    timestampRequired: true,
  },
  "movielens-100k": {
    format: "movielens-100k",
    delimiter: TAB,
    // u.data never quotes; a quote there is part of the text.
    quoted: false,
    header: undefined,
    fixedLayout: {
      columnCount: 4,
      user: 0,
      item: 1,
      value: 2,
      timestamp: 3,
      eventType: -1,
      names: {
        user: "user id",
        item: "item id",
        value: "rating",
        timestamp: "timestamp",
        eventType: "event type",
      },
    },
    valueRequired: true,
    timestampRequired: true,
  },
};

export function interactionFormatSpec(format: string): InteractionFormatSpec {
  if (!isInteractionFormat(format)) {
    throw new InvalidInputError(
      `unknown interactions format "${format}"; expected one of ${INTERACTION_FORMATS.join(", ")}`,
      "format",
    );
  }
  return SPECS[format];
}

function normaliseColumnName(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * Maps a header row onto the format's fields. Column order is free and unknown extra columns are ignored,
 * so exports with additional context columns still load; missing required columns are named in the error.
 */
export function layoutFromHeader(spec: InteractionFormatSpec, headerFields: readonly string[]): ColumnLayout {
  const header = spec.header;
  if (header === undefined) throw new Error(`format ${spec.format} has no header`);
  const positionByName = new Map<string, number>();
  headerFields.forEach((raw, position) => {
    const name = normaliseColumnName(raw);
    if (name === "") return;
    if (positionByName.has(name)) {
      throw new InvalidInputError(`header names column "${raw.trim()}" twice`, "header");
    }
    positionByName.set(name, position);
  });
  const fields: InteractionField[] = ["user", "item", "value", "timestamp", "eventType"];
  const positions: Record<InteractionField, number> = {
    user: -1,
    item: -1,
    value: -1,
    timestamp: -1,
    eventType: -1,
  };
  const names: Record<InteractionField, string> = {
    user: "",
    item: "",
    value: "",
    timestamp: "",
    eventType: "",
  };
  for (const field of fields) {
    const name = header.names[field];
    names[field] = name ?? field;
    if (name === undefined) continue;
    positions[field] = positionByName.get(normaliseColumnName(name)) ?? -1;
  }
  const missing = header.required.filter((field) => positions[field] < 0).map((field) => names[field]);
  if (missing.length > 0) {
    const found = headerFields.map((f) => f.trim()).join(",");
    throw new InvalidInputError(
      `header is missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ` +
        `(found "${truncate(found, 120)}"; a ${spec.format} file starts with a header such as ` +
        `"${exampleHeader(spec)}")`,
      "header",
    );
  }
  return { columnCount: headerFields.length, ...positions, names };
}

function exampleHeader(spec: InteractionFormatSpec): string {
  const names = spec.header?.names;
  if (names === undefined) return "";
  return [names.user, names.item, names.value, names.timestamp].filter((n) => n !== undefined).join(",");
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
