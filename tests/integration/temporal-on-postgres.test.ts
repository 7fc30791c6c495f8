import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { freeTemporalServerPort, startTemporalOnPostgres, type RunningTemporalServer } from '../../server/infra/temporal-server';
import { contactWorkflowId } from '../../workflows/contact';
import { encryptedDataConverter } from '../../server/infra/boot';
import { startStack, TEST_PAYLOAD_KEYS, type TestStack } from '../support/stack';
import { receiveContact, screenable } from '../support/walk';

// The production shape of Temporal: `temporal-server` (built from the Go module into the tools cache by the global
// setup, as `npm run setup` does) with its persistence and visibility in PostgreSQL, and Front Door's API and worker
// against it. One contact goes through GraphQL and comes out recommended; the workflow lives in PostgreSQL, and a
// second start on the same databases (schema already there, namespace already registered) finds it again.
describe('Temporal server on PostgreSQL', () => {
  const suffix = randomBytes(4).toString('hex');
  const databases = { persistence: `temporal_t${suffix}`, visibility: `temporal_visibility_t${suffix}` };
  const workDir = path.join(inject('scratchDir'), `temporal-server-${suffix}`);
  let port: number;
  let server: RunningTemporalServer | undefined;
  let stack: TestStack | undefined;

  const start = () => {
    const { tools, problem } = inject('temporalServer');
    if (!tools) throw new Error(`The Temporal server could not be built or found, so this test cannot run:\n${problem}`);
    return startTemporalOnPostgres({ tools, databaseUrl: inject('databaseUrl'), databases, frontendPort: port, namespace: 'default', workDir });
  };

  beforeAll(async () => {
    port = await freeTemporalServerPort();
    server = await start();
  });

  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
    const admin = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
    try {
      for (const name of [databases.persistence, databases.visibility]) await admin.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.end();
    }
  });

  it('runs a contact through the API and a worker to its recommendation, keeps the workflow in PostgreSQL, and starts again on the same databases', async () => {
    stack = await startStack({ temporalAddress: server!.address });
    const token = await stack.token({ boroughs: ['hf'] });
    const contactId = await receiveContact(stack, token);
    await screenable(stack, token, contactId);

    const read = await stack.graphql<{ contact: { recommendation: { pathway: string; levelOfNeed: number } | null } }>(
      'query ($id: ID!) { contact(id: $id) { recommendation { pathway levelOfNeed } } }',
      { id: contactId },
      token,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data?.contact.recommendation?.pathway).toEqual(expect.any(String));

    // Temporal's own rows for this contact's workflow are in the PostgreSQL persistence database.
    const temporalDb = new URL(inject('databaseUrl'));
    temporalDb.pathname = `/${databases.persistence}`;
    const db = postgres(temporalDb.toString(), { max: 1, onnotice: () => {} });
    try {
      const rows = await db`select 1 from current_executions where workflow_id = ${contactWorkflowId(contactId)}`;
      expect(rows).toHaveLength(1);
    } finally {
      await db.end();
    }

    await stack.stop();
    stack = undefined;
    await server!.stop();
    server = await start();

    const connection = await Connection.connect({ address: server.address });
    try {
      const described = await new Client({ connection, namespace: 'default', dataConverter: encryptedDataConverter(TEST_PAYLOAD_KEYS) }).workflow.getHandle(contactWorkflowId(contactId)).describe();
      expect(described.workflowId).toBe(contactWorkflowId(contactId));
      expect(described.status.name).toBe('RUNNING');
    } finally {
      await connection.close();
    }
  });
});
