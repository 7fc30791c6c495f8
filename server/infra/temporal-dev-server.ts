import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TemporalCli } from './temporal-cli';
import { readTail, stopChild } from './tools';

/** A running Temporal dev server this process started, and how to stop it. */
export interface RunningTemporal {
  address: string;
  uiAddress: string | undefined;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cli: TemporalCli;
  /** SQLite file to persist to; omit for an in-memory server (tests). */
  dbFile?: string | undefined;
  port: number;
  /** Omit for a headless server. */
  uiPort?: number | undefined;
  namespace: string;
  /** Where the server's own output goes (it is noisy and not ours to log). */
  logFile: string;
  /** How long to wait for it to answer. The first start on a new SQLite file takes several seconds. */
  readyTimeoutMs?: number;
}

/**
 * Starts the Temporal CLI dev server on 127.0.0.1 and resolves once it answers gRPC health checks. Fails with the
 * tail of its log when it exits early (a port already in use, a locked database file).
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningTemporal> {
  const address = `127.0.0.1:${options.port}`;
  const uiAddress = options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined;
  if (options.dbFile) await fs.mkdir(path.dirname(options.dbFile), { recursive: true });
  await fs.mkdir(path.dirname(options.logFile), { recursive: true });

  if (options.cli.type === 'cached-download') {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download', downloadDir: options.cli.downloadDir },
        ip: '127.0.0.1',
        port: options.port,
        namespace: options.namespace,
        ...(options.dbFile ? { dbFilename: options.dbFile } : {}),
        ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
      },
    });
    return { address: env.address, uiAddress, stop: () => env.teardown() };
  }

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', options.namespace, '--log-level', 'warn'];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');

  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  try {
    await waitUntilServing(address, exited, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    await stopChild(child, exited, 10_000);
    const tail = await readTail(options.logFile);
    throw new Error(`The Temporal dev server (${options.cli.path}) did not start on ${address}: ${(error as Error).message}${tail ? `\nIts log (${options.logFile}) ends:\n${tail}` : ''}`, { cause: error });
  }

  return {
    address,
    uiAddress,
    stop: async () => {
      await stopChild(child, exited, 10_000);
      log.end();
    },
  };
}

/** Resolves once a Temporal frontend at `address` reports SERVING; rejects when `exited` settles first or time runs out. */
export async function waitUntilServing(address: string, exited: Promise<number | null> | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  let hasExited = false;
  void exited?.then((code) => {
    hasExited = true;
    exitCode = code;
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited) throw new Error(`it exited with code ${String(exitCode)}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.healthService.check({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`no answer within ${timeoutMs / 1000} s (${(lastError as Error | undefined)?.message ?? 'no error'})`);
}


