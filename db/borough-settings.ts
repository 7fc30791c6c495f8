/**
 * The borough settings (`borough-config/<b>/borough.json`) each borough has run with. The folder is where settings
 * change (checked as a whole at start-up, which refuses anything invalid); each start-up records a new version here
 * whenever a borough's settings differ from the last recorded, so anyone can see what applied when.
 */
import type { BoroughRegistry } from '../rules/borough-config';
import { toJson } from './casework';
import type { Sql, Tx } from './sql';

/** One recorded version of a borough's settings. */
export interface BoroughSettingsVersion {
  borough: string;
  version: number;
  contentHash: string;
  author: string;
  reason: string;
  effectiveFrom: Date;
}

/**
 * At start-up: records each borough's settings as a new version when their content hash differs from the latest
 * recorded one. Idempotent and safe when several processes start at once.
 */
export async function syncBoroughSettings(
  sql: Sql,
  registry: BoroughRegistry,
  actor = 'borough-config',
  now: Date = new Date(),
): Promise<{ borough: string; version: number; recorded: boolean }[]> {
  const results: { borough: string; version: number; recorded: boolean }[] = [];
  for (const borough of [...registry.values()].sort((a, b) => a.code.localeCompare(b.code))) {
    results.push(
      await sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtext(${`front-door:settings:${borough.code}`}))`;
        const [latest] = await tx<{ version: number; contentHash: string }[]>`
          select version, content_hash from borough_settings_versions where borough = ${borough.code} order by version desc limit 1`;
        if (latest?.contentHash === borough.settingsHash) return { borough: borough.code, version: latest.version, recorded: false };
        const version = (latest?.version ?? 0) + 1;
        const reason = `loaded from borough-config/${borough.code}/borough.json`;
        await tx`
          insert into borough_settings_versions (borough, version, content, content_hash, author, reason, effective_from)
          values (${borough.code}, ${version}, ${tx.json(toJson(borough.settings))}, ${borough.settingsHash},
            ${actor}, ${reason}, ${now})`;
        await tx`
          insert into ruleset_audit (borough, version, action, actor, role, at, reason, detail)
          values (${borough.code}, null, 'SETTINGS_LOADED', ${actor}, 'system', ${now}, ${reason}, ${tx.json({ settingsVersion: version, hash: borough.settingsHash })})`;
        return { borough: borough.code, version, recorded: true };
      }),
    );
  }
  return results;
}

/** Every recorded settings version of a borough, newest first. */
export async function boroughSettingsVersions(sql: Sql | Tx, borough: string): Promise<BoroughSettingsVersion[]> {
  return sql<BoroughSettingsVersion[]>`
    select borough, version, content_hash, author, reason, effective_from from borough_settings_versions
    where borough = ${borough} order by version desc`;
}
