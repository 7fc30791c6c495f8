import fs from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../server/env';
import { historyFromFixture } from '../support/histories';
import { encryptedDataConverter } from '../../server/infra/boot';
import { TEST_PAYLOAD_KEYS, workflowBundle } from '../support/stack';

// Every recorded history in tests/fixtures/histories is replayed against today's workflow code: a change that would
// break a running contact or episode (other commands, or in another order) fails here, in CI, before it reaches a
// worker. Such a change goes behind `patched()`. Histories are recorded by the tests that produce them (delete a file
// to record it again, after checking the change is safe for running workflows). Histories recorded through the test
// stack carry payloads encrypted with the test key, as in production; plain ones pass through the codec unchanged.

const DIR = path.join(projectRoot, 'tests', 'fixtures', 'histories');
const fixtures = (await fs.readdir(DIR)).filter((name) => name.endsWith('.json')).sort();

describe('replaying recorded workflow histories', () => {
  it('has recorded histories to replay: contacts before and after a patch, a full episode before and after a patch, and an episode that continued as new', () => {
    // Each of these must be there (a lost fixture would otherwise just replay nothing); more may be added.
    expect(fixtures).toEqual(expect.arrayContaining([
      'contact-red-mash-wcc.json',
      'episode-child-protection-hf.json',
      'episode-child-protection-hf-before-section-47-start-clock.json',
      'episode-continued-as-new-wcc.json',
      'episode-statutory-visits-hf.json',
      'contact-nfa-before-local-activities-hf.json',
      'contact-local-activities-nfa-hf.json',
      'contact-local-activities-mash-referral-hf.json',
    ]));
  });

  it.each(fixtures)('%s replays deterministically', async (name) => {
    const history = historyFromFixture(await fs.readFile(path.join(DIR, name), 'utf8'));
    expect(history.events.length).toBeGreaterThan(20);
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: encryptedDataConverter(TEST_PAYLOAD_KEYS) }, history, name.replace(/\.json$/, ''))).resolves.toBeUndefined();
  });
});
