import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';

/** Where `npm run console:build` writes the console (see scripts/build-console.ts). */
export const CONSOLE_BUILD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'console');

/** The path the API serves the console under. */
export const CONSOLE_PATH = '/console';

/**
 * The headers every console response carries. The page may load and call only its own origin (scripts, styles, fonts
 * and images are all bundled; no CDN), may not be framed, and does not leak its address (case ids) to other sites.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the built console (a folder of static files) under `/console`: files with their content type; the hashed
 * bundles under `static/` cached for a year (their names change with their content), everything else revalidated;
 * any other path without a file extension answers index.html, so the browser's client routes (`/console/cases/…`)
 * load the app. A missing build answers 503 saying how to build it. Only GET and HEAD.
 */
export function useConsole(dir: string): Plugin {
  const root = path.resolve(dir);
  return {
    async onRequest(payload) {
      const { url, request, fetchAPI } = payload;
      if (url.pathname !== CONSOLE_PATH && !url.pathname.startsWith(`${CONSOLE_PATH}/`)) return;
      const respond = (status: number, body: BodyInit | null, headers: Record<string, string>) =>
        payload.endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status, headers: { ...CONSOLE_SECURITY_HEADERS, ...headers } }));
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        respond(405, 'The console is static: only GET and HEAD.', { allow: 'GET, HEAD', 'content-type': CONTENT_TYPES['.txt']! });
        return;
      }
      if (url.pathname === CONSOLE_PATH) {
        respond(308, null, { location: `${CONSOLE_PATH}/` });
        return;
      }
      let relative: string;
      try {
        relative = decodeURIComponent(url.pathname.slice(CONSOLE_PATH.length + 1));
      } catch {
        respond(400, 'Bad path.', { 'content-type': CONTENT_TYPES['.txt']! });
        return;
      }
      const file = path.resolve(root, relative || 'index.html');
      const inside = file === root || file.startsWith(root + path.sep);
      const extension = path.extname(file).toLowerCase();
      const found = inside ? await readFile(file) : null;
      if (found) {
        const immutable = relative.startsWith('static/');
        respond(200, found, {
          'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
        return;
      }
      if (extension && extension !== '.html') {
        respond(404, `No console file ${relative}.`, { 'content-type': CONTENT_TYPES['.txt']!, 'cache-control': 'no-cache' });
        return;
      }
      const index = await readFile(path.join(root, 'index.html'));
      if (!index) {
        respond(503, 'The console has not been built: run `npm run console:build` (`npm start` builds it when missing).', { 'content-type': CONTENT_TYPES['.txt']!, 'cache-control': 'no-store' });
        return;
      }
      respond(200, index, { 'content-type': CONTENT_TYPES['.html']!, 'cache-control': 'no-cache' });
    },
  };
}

async function readFile(file: string): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? new Uint8Array(await fs.readFile(file)) : null;
  } catch {
    return null;
  }
}
