import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Where the project keeps what it builds or downloads once per machine (outside the checkout). */
export interface ToolsCache {
  dir: string;
  /** Progress for the person at the terminal: what is being looked for, built or fetched. */
  say: (message: string) => void;
}

/** Thrown when a tool cannot be found or obtained; the message names every option tried and how to fix it. */
export class ToolUnavailableError extends Error {
  constructor(tool: string, attempts: string[], fix: string) {
    super(`${tool} could not be found or obtained. Tried, in order:\n${attempts.map((a, i) => `  ${i + 1}. ${a}`).join('\n')}\nTo fix: ${fix}`);
    this.name = 'ToolUnavailableError';
  }
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fs.constants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Finds an executable by name on PATH, or undefined. */
export async function onPath(name: string, pathVariable: string | undefined): Promise<string | undefined> {
  for (const dir of (pathVariable ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Runs a command to completion, streaming nothing; resolves with its combined output, rejects with it on failure. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

/** Whether a file or folder exists. */
export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** The last lines of a log file, or "" when there is none (for an error that says what a process printed). */
export async function readTail(file: string, lines = 10): Promise<string> {
  try {
    return (await fs.readFile(file, 'utf8')).trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Stops a child process: SIGTERM, then SIGKILL if it has not exited after `killAfterMs`; returns once it has exited. */
export async function stopChild(child: ChildProcess, exited: Promise<number | null>, killAfterMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
