import { InvalidInputError } from "../../../domain/errors/domain-errors.ts";
import { TABLE_DEFINITIONS, type TableKey } from "./table-definitions.ts";

/** Physical table names by table key. The stack's grant helpers set them; physical names are never written in code. */
export type DynamoDbTableNames<Key extends TableKey = TableKey> = { readonly [K in Key]: string };

/**
 * Reads the physical names of the tables a function uses from its environment, once, at start. Each name
 * comes from the table's `tableNameEnvironmentVariable` (e.g. FLYWHEEL_PROFILES_TABLE). A missing name
 * fails here, loudly and all at once, not on the first request that needs the table.
 */
export function readDynamoDbTableNames<Key extends TableKey>(
  tables: readonly Key[],
  env: NodeJS.ProcessEnv = process.env,
): DynamoDbTableNames<Key> {
  const missing: string[] = [];
  const names: Partial<Record<Key, string>> = {};
  for (const table of tables) {
    const variable = TABLE_DEFINITIONS[table].tableNameEnvironmentVariable;
    const name = env[variable];
    if (name === undefined || name.trim() === "") missing.push(variable);
    else names[table] = name;
  }
  if (missing.length > 0) {
    throw new InvalidInputError(`missing table name configuration: set ${missing.join(", ")}`, missing[0]);
  }
  return names as DynamoDbTableNames<Key>;
}

/** The environment that carries these names to the code: the inverse of readDynamoDbTableNames. */
export function tableNamesEnvironment<Key extends TableKey>(
  names: DynamoDbTableNames<Key>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const table of Object.keys(names) as Key[]) {
    env[TABLE_DEFINITIONS[table].tableNameEnvironmentVariable] = names[table];
  }
  return env;
}
