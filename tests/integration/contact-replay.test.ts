import fs from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { expect, it } from 'vitest';
import { projectRoot } from '../../server/env';
import { historyFromFixture } from '../support/histories';
import { workflowBundle } from '../support/stack';

// Recorded contact-workflow histories replayed against today's code: a change that would break running workflows
// (other commands, or in another order) fails here, before it reaches a worker. Such a change goes behind patched().
const DIR = path.join(projectRoot, 'tests', 'fixtures', 'histories');
const fixtures = (await fs.readdir(DIR)).filter((name) => name.startsWith('contact-') && name.endsWith('.json')).sort();

it('has recorded contact histories', () => {
  expect(fixtures.length).toBeGreaterThan(0);
});

it.each(fixtures)('%s replays deterministically', async (name) => {
  const history = historyFromFixture(await fs.readFile(path.join(DIR, name), 'utf8'));
  expect(history.events.length).toBeGreaterThan(20);
  await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, name.replace(/\.json$/, ''))).resolves.toBeUndefined();
});
