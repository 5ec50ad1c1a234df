/** What both adapters' schema migrations share: the shape of a migration and the refusal of a newer schema. */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
}

/** A newer release migrated this database; running older code on it could corrupt data. */
export function refuseNewerSchema(newestApplied: number, migrations: readonly Migration[]): void {
  const known = migrations.at(-1)?.version ?? 0;
  if (newestApplied > known) {
    throw new SchemaTooNewError(
      `database schema version ${newestApplied} is newer than this release knows (${known})`,
    );
  }
}
