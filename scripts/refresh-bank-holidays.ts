/**
 * Refreshes the shipped England and Wales bank holidays from a copy of gov.uk's bank-holidays.json on disk
 * (download it yourself from https://www.gov.uk/bank-holidays.json; this script never fetches anything).
 *
 *   npx tsx scripts/refresh-bank-holidays.ts path/to/bank-holidays.json
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BankHolidayEvent, parseBankHolidayFile } from '../rules/calendar';

const DIVISION = 'england-and-wales';
const SHIPPED = fileURLToPath(new URL('../borough-config/bank-holidays/england-and-wales.json', import.meta.url));

export interface BankHolidayMerge {
  /** The merged list, sorted by date. */
  events: BankHolidayEvent[];
  added: BankHolidayEvent[];
  /** Same date, different title, notes or bunting. */
  changed: { from: BankHolidayEvent; to: BankHolidayEvent }[];
  removed: BankHolidayEvent[];
}

/**
 * Merges an official list into the shipped one: for every year from the official list's first to its last, the
 * official events replace the shipped ones; shipped years outside that span (older, or not yet published) stay.
 */
export function mergeBankHolidays(shipped: BankHolidayEvent[], official: BankHolidayEvent[]): BankHolidayMerge {
  const years = official.map((e) => Number(e.date.slice(0, 4)));
  const covered = (e: BankHolidayEvent) => {
    const year = Number(e.date.slice(0, 4));
    return years.length > 0 && year >= Math.min(...years) && year <= Math.max(...years);
  };
  const before = new Map(shipped.filter(covered).map((e) => [e.date, e]));
  const after = new Map(official.map((e) => [e.date, e]));
  const same = (a: BankHolidayEvent, b: BankHolidayEvent) =>
    a.title === b.title && a.notes === b.notes && a.bunting === b.bunting;
  const byDate = (a: BankHolidayEvent, b: BankHolidayEvent) => a.date.localeCompare(b.date);

  return {
    events: [...shipped.filter((e) => !covered(e)), ...official].sort(byDate),
    added: official.filter((e) => !before.has(e.date)).sort(byDate),
    changed: official
      .flatMap((to) => {
        const from = before.get(to.date);
        return from && !same(from, to) ? [{ from, to }] : [];
      })
      .sort((a, b) => byDate(a.to, b.to)),
    removed: [...before.values()].filter((e) => !after.has(e.date)).sort(byDate),
  };
}

/** Reads and validates one bank holidays file, naming the file in any error. */
async function load(path: string): Promise<BankHolidayEvent[]> {
  try {
    return parseBankHolidayFile(JSON.parse(await readFile(path, 'utf8')), DIVISION).events;
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

async function main(args: string[]): Promise<void> {
  const [source] = args;
  if (!source || args.length !== 1) {
    throw new Error('Usage: npx tsx scripts/refresh-bank-holidays.ts path/to/bank-holidays.json');
  }
  const official = await load(source);
  if (official.length === 0) throw new Error(`${source}: no "${DIVISION}" events, so nothing to refresh.`);
  const merge = mergeBankHolidays(await load(SHIPPED), official);

  await writeFile(SHIPPED, `${JSON.stringify({ division: DIVISION, events: merge.events }, null, 2)}\n`);

  const show = (e: BankHolidayEvent) => `${e.date} ${e.title}${e.notes ? ` (${e.notes})` : ''}`;
  for (const e of merge.added) console.log(`added    ${show(e)}`);
  for (const { from, to } of merge.changed) console.log(`changed  ${show(from)} -> ${show(to)}`);
  for (const e of merge.removed) console.log(`removed  ${show(e)}`);
  console.log(
    `${SHIPPED}: ${merge.events.length} events (${merge.added.length} added, ${merge.changed.length} changed, ` +
      `${merge.removed.length} removed).`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
