import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CONSOLE_BUILD_DIR } from '../../api/console';
import { projectRoot } from '../env';

const SOURCE_DIR = path.join(projectRoot, 'console');
/** Beside the build, not in it (the API serves everything in it). */
const HASH_FILE = `${CONSOLE_BUILD_DIR}.source-hash`;

/**
 * Builds the console (console/ with Vite) into dist/console unless the build there was made from the same sources
 * and the same installed packages (a hash of console/ and package-lock.json, kept beside the build). Returns whether
 * it built. `force` builds anyway.
 */
export async function ensureConsoleBuilt(options: { force?: boolean; say?: (message: string) => void } = {}): Promise<boolean> {
  const hash = await sourceHash();
  const built = await fs.readFile(HASH_FILE, 'utf8').catch(() => null);
  const indexExists = await fs.stat(path.join(CONSOLE_BUILD_DIR, 'index.html')).then(() => true, () => false);
  if (!options.force && indexExists && built === hash) return false;
  options.say?.('Building the console (console/ with Vite)...');
  const { build } = await import('vite');
  await build({ configFile: path.join(SOURCE_DIR, 'vite.config.ts'), logLevel: 'error' });
  await fs.writeFile(HASH_FILE, hash);
  return true;
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await fs.readdir(SOURCE_DIR, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name)).sort();
  for (const file of [...files, path.join(projectRoot, 'package-lock.json')]) {
    hash.update(path.relative(projectRoot, file)).update('\0').update(await fs.readFile(file)).update('\0');
  }
  return hash.digest('hex');
}
