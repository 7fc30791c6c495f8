import { ensureConsoleBuilt } from '../server/infra/console-build';
import { CONSOLE_BUILD_DIR } from '../api/console';

// `npm run console:build`: builds the console into dist/console (served by the API under /console).
await ensureConsoleBuilt({ force: !process.argv.includes('--if-stale'), say: (message) => console.log(message) });
console.log(`Console built in ${CONSOLE_BUILD_DIR}.`);
