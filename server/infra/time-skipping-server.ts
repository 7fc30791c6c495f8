import fs from 'node:fs/promises';
import path from 'node:path';
import { isExecutable, onPath, run, ToolUnavailableError, type ToolsCache } from './tools';

/** The Java SDK release whose test server matches our TypeScript SDK's era. */
export const TEST_SERVER_VERSION = '1.38.0';
const ARTIFACT = `io.temporal:temporal-test-server:${TEST_SERVER_VERSION}`;

/**
 * Returns the path of an executable that starts Temporal's time-skipping test server: `<it> <port>` runs
 * `java io.temporal.testserver.TestServer <port>`. On first use fetches the server and its dependencies from Maven
 * Central into the tools cache. Pass the path to
 * `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })`.
 *
 * Deliberately without `--enable-time-skipping`: that flag starts the server *unlocked*, so it jumps to the next
 * timer whenever it is idle (even while a test is only reading PostgreSQL). The TypeScript SDK runs its own
 * downloaded server without it and skips time itself, only inside `env.sleep()` and while awaiting a result;
 * the wrapper passes any further arguments through for anyone who wants the free-running mode.
 */
export async function ensureTimeSkippingServer(cache: ToolsCache, pathVariable: string | undefined): Promise<string> {
  const home = path.join(cache.dir, `temporal-test-server-${TEST_SERVER_VERSION}`);
  const wrapper = path.join(home, 'test-server-v2');
  const libDir = path.join(home, 'lib');
  if ((await isExecutable(wrapper)) && (await hasJars(libDir))) return wrapper;

  const java = await onPath('java', pathVariable);
  const mvn = await onPath('mvn', pathVariable);
  const attempts = [`tools cache ${wrapper}: not fetched yet`, `java on PATH: ${java ?? 'not found'}`, `mvn on PATH: ${mvn ?? 'not found'}`];
  if (!java || !mvn) {
    throw new ToolUnavailableError('The Temporal time-skipping test server', attempts, 'install a Java runtime (17 or newer) and Maven, then run `npm run setup`.');
  }

  cache.say(`Fetching ${ARTIFACT} and its dependencies from Maven Central into ${libDir} (once per machine)...`);
  await fs.mkdir(home, { recursive: true });
  await fs.writeFile(path.join(home, 'pom.xml'), pom());
  try {
    await run(mvn, ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`, '-DincludeScope=runtime'], { cwd: home });
  } catch (error) {
    attempts.push(`mvn dependency:copy-dependencies for ${ARTIFACT}: ${(error as Error).message}`);
    throw new ToolUnavailableError('The Temporal time-skipping test server', attempts, 'check that Maven can reach Maven Central (see ~/.m2/settings.xml for proxies), then run `npm run setup` again.');
  }
  // Quick JIT settings: the SDK gives the server only about 5 s to start listening.
  const script = `#!/bin/sh\n# Written by Front Door (server/infra/time-skipping-server.ts). Usage: test-server <port> [--enable-time-skipping]\nexec "${java}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp "${libDir}/*" io.temporal.testserver.TestServer "$@"\n`;
  await fs.writeFile(wrapper, script, { mode: 0o755 });
  cache.say(`Time-skipping test server ready: ${wrapper}`);
  return wrapper;
}

async function hasJars(dir: string): Promise<boolean> {
  try {
    return (await fs.readdir(dir)).some((name) => name.startsWith('temporal-test-server') && name.endsWith('.jar'));
  } catch {
    return false;
  }
}

function pom(): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.front-door</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
  </dependencies>
</project>
`;
}
