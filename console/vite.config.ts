import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * govuk-frontend's compiled CSS names its fonts and images from the site root (`/assets/fonts/...`). Point those at
 * the package's own files instead, so Vite bundles them with the console (under /console/static, hashed): nothing
 * is fetched from anywhere else.
 */
function govukAssets(): Plugin {
  return {
    name: 'front-door:govuk-assets',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('govuk-frontend') || !id.split('?')[0]!.endsWith('.css')) return null;
      return { code: code.replaceAll('url(/assets/', 'url(./assets/'), map: null };
    },
  };
}

// The console: a Preact single-page app, built into dist/console and served by the API under /console.
export default defineConfig({
  root: here,
  base: '/console/',
  publicDir: false,
  plugins: [govukAssets()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // govuk-frontend's compiled CSS keeps a hack for old Internet Explorer that the minifier cannot parse: drop it.
  css: { lightningcss: { errorRecovery: true } },
  build: {
    outDir: path.join(here, '..', 'dist', 'console'),
    emptyOutDir: true,
    assetsDir: 'static',
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
  },
});
