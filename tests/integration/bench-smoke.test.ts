import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/env';

// `npm run bench -- --smoke --only ...` for the front door, receiveContact latency and memory sections: every row is
// in the table with a number in it, and when the runner has exited nothing it started is left running and the ports
// it used are free again. No figure is judged here (speed belongs in the bench, not in a test).
const SECTIONS = ['front door', 'receiveContact latency', 'memory'];

describe('npm run bench --smoke', () => {
  it('prints a row with a figure for every measure of the front-door sections, and leaves nothing running', async () => {
    // A temporary folder of its own: every scratch folder, data directory and process of the run is marked by it.
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
    await fs.chmod(tmp, 0o755); // embedded PostgreSQL runs as its own user and must reach its data folder
    const out = path.join(tmp, 'table.md');
    try {
      const { code, stdout } = await runBench(['--smoke', '--only', SECTIONS.join(','), '--out', out], { ...process.env, TMPDIR: tmp });
      expect(code, stdout).toBe(0);

      const table = await fs.readFile(out, 'utf8');
      const rows = table
        .split('\n')
        .filter((line) => line.startsWith('| ') && !line.startsWith('| section') && !line.startsWith('| ---'))
        .map((line) => line.slice(2, -2).split(' | '));
      const measures = (section: string) => rows.filter((row) => row[0] === section).map((row) => row[1]!);
      expect(rows.filter((row) => row[1] === 'FAILED')).toEqual([]);
      expect(measures('front door')).toEqual([
        expect.stringMatching(/^end to end, burst of 30/),
        expect.stringMatching(/^wait for a recommendation, p50/),
        expect.stringMatching(/^wait for a recommendation, p99/),
        expect.stringMatching(/^contacts stored exactly once/),
        expect.stringMatching(/^worker RSS after the burst/),
        expect.stringMatching(/^API RSS after the burst/),
      ]);
      expect(measures('receiveContact latency')).toEqual([
        expect.stringMatching(/^p99 at 5\/s/),
        expect.stringMatching(/^p99 at 10\/s/),
        expect.stringMatching(/^p99 at 20\/s/),
        expect.stringMatching(/^p99 at 50\/s/),
        expect.stringMatching(/^profile: the workflow start alone/),
        expect.stringMatching(/^saturates at/),
      ]);
      expect(measures('memory')).toEqual([expect.stringMatching(/^worker RSS, 200 open contacts/), expect.stringMatching(/^API RSS beside it/)]);
      for (const row of rows) expect(row[2], row.join(' | ')).toMatch(/\d/);
      // Every contact of the burst was stored once, whatever the speed.
      expect(rows.find((row) => row[1]!.startsWith('contacts stored exactly once'))![2]).toBe('30 stored / 30 accepted');
      expect(table).toMatch(/Machine: \d+ × .+, Node \d+/);

      // Nothing left behind: no process marked by the run's folder, and every port it announced is free.
      expect(await processesMentioning(tmp)).toEqual([]);
      const ports = [...stdout.matchAll(/port (\d+)/g)].map((match) => Number(match[1]));
      expect(ports.length).toBeGreaterThanOrEqual(SECTIONS.length * 4);
      for (const port of ports) expect(await canListen(port), `port ${port}`).toBe(true);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }, 1_200_000);
});

function runBench(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'bench', 'run.ts'), ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

/** Processes whose command line or environment mentions `marker` (ours: /proc is readable for our own processes). */
async function processesMentioning(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await fs.readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    const read = (file: string) => fs.readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => '');
    const [cmdline, environ] = [await read('cmdline'), await read('environ')];
    if (cmdline.includes(marker) || environ.includes(marker)) found.push(`${pid}: ${cmdline.replace(/\0/g, ' ').trim()}`);
  }
  return found;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
