import os from 'node:os';
import { isExecutable, onPath, run, ToolUnavailableError, type ToolsCache } from './tools';

const NAMES = ['chromium', 'chromium-browser'];
const DEBIAN_PACKAGE = 'chromium';

/**
 * A Chromium for the browser tests (they drive it with playwright-core, which never downloads a browser of its own):
 * CHROMIUM_PATH, else `chromium` on PATH, else, when `install` is allowed and this is a Debian machine run as root,
 * Debian's `chromium` package installed with apt-get. Throws ToolUnavailableError naming every option tried.
 */
export async function resolveChromium(options: { cache: ToolsCache; explicitPath: string | undefined; pathVariable: string | undefined; install: boolean }): Promise<string> {
  const tried: string[] = [];
  if (options.explicitPath) {
    if (await isExecutable(options.explicitPath)) return options.explicitPath;
    throw new ToolUnavailableError('Chromium', [`CHROMIUM_PATH=${options.explicitPath}: not an executable file`], 'point CHROMIUM_PATH at a Chromium binary, or unset it.');
  }
  tried.push('CHROMIUM_PATH: unset');
  const found = await firstOnPath(options.pathVariable);
  if (found) return found;
  tried.push(`${NAMES.join(' or ')} on PATH: not found`);

  const aptGet = await onPath('apt-get', options.pathVariable);
  const root = os.userInfo().uid === 0;
  if (!options.install) {
    tried.push('installing it: not attempted here (run `npm run setup`)');
  } else if (!aptGet || !root) {
    tried.push(`installing Debian's ${DEBIAN_PACKAGE} package: ${aptGet ? 'needs root' : 'no apt-get on this machine'}`);
  } else {
    options.cache.say(`Installing Debian's ${DEBIAN_PACKAGE} package with apt-get (once per machine; a minute or two)...`);
    try {
      await run(aptGet, ['update', '-qq']);
      await run(aptGet, ['install', '-y', '-qq', '--no-install-recommends', DEBIAN_PACKAGE], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      const installed = await firstOnPath(options.pathVariable);
      if (installed) return installed;
      tried.push(`apt-get install ${DEBIAN_PACKAGE}: finished, but no chromium appeared on PATH`);
    } catch (error) {
      tried.push(`apt-get install ${DEBIAN_PACKAGE}: failed: ${String((error as Error).message).trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
  throw new ToolUnavailableError('Chromium (for the browser tests)', tried, `run \`npm run setup\` as root on Debian, or install Chromium yourself and set CHROMIUM_PATH.`);
}

async function firstOnPath(pathVariable: string | undefined): Promise<string | undefined> {
  for (const name of NAMES) {
    const found = await onPath(name, pathVariable);
    if (found) return found;
  }
  return undefined;
}

/**
 * Launch arguments for headless Chromium on a machine with no internet: no sandbox (tests run as root), and none of
 * Chromium's own background connections (update checks, sync, field trials), which a closed network refuses.
 */
export const HEADLESS_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
