import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { DefaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../server/infra/payload-codec';
import { contactWorkflowId, type ContactWorkflowInput } from '../../workflows/contact';
import { eventually, startStack, TEST_PAYLOAD_KEYS, type TestStack } from '../support/stack';

// Personal data never reaches Temporal in clear: the history, read raw from the server, holds only ciphertext.
let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

it('keeps every payload of a case encrypted in the workflow history', async () => {
  const marker = randomUUID().slice(0, 8);
  const child = { firstName: `Zara${marker}`, lastName: `Secretname${marker}`, dateOfBirth: '2020-02-02' };
  const summary = `Disclosed harm at nursery ${marker}`;
  const token = await stack.token({ user: 'enc-eve', roles: ['practitioner'], boroughs: ['hf'] });
  const received = await stack.graphql<{ receiveContact: { contactId: string } }>(`mutation ($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }`, {
    input: { borough: 'hf', channel: 'PHONE', referrer: { type: 'EDUCATION_SERVICES', name: `Referrer${marker}`, contactDetails: `0207${marker}` }, children: [child], indicators: ['CHILD_DISCLOSURE'], summary, consent: 'NOT_SOUGHT' },
  }, token);
  const contactId = received.data!.receiveContact.contactId;
  await eventually(() => stack.graphql<{ contact: { status: string } }>(`query ($id: ID!) { contact(id: $id) { status } }`, { id: contactId }, token), (r) => r.data?.contact?.status === 'AWAITING_SCREENING');

  const connection = await Connection.connect({ address: inject('temporalAddress') });
  try {
    const raw = new Client({ connection, namespace: 'default' }); // no key: sees exactly what the server stores
    const history = await raw.workflow.getHandle(contactWorkflowId(contactId)).fetchHistory();
    const payloads = bytesIn(history).join('\n');
    expect(history.events?.length).toBeGreaterThan(5);
    for (const secret of [child.firstName, child.lastName, marker, 'Disclosed harm', '2020-02-02', `0207${marker}`]) expect(payloads).not.toContain(secret);
    expect(payloads).toContain('binary/encrypted');
    // The check itself can see plain text: the workflow type name travels unencrypted.
    expect(JSON.stringify(history)).toContain('contactWorkflow');
    // With the key, the same ciphertext is the contact in full.
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const [decoded] = await new EncryptionCodec(TEST_PAYLOAD_KEYS).decode([started!]);
    const input = new DefaultPayloadConverter().fromPayload<ContactWorkflowInput>(decoded!);
    expect(input.contact).toMatchObject({ children: [{ ...child, expectedDateOfBirth: null }], summary });
  } finally {
    await connection.close();
  }
});

/** Every byte string anywhere in a protobuf object, as text (how anyone reading the raw history would see it). */
function bytesIn(value: unknown, found: string[] = []): string[] {
  if (value instanceof Uint8Array) found.push(Buffer.from(value).toString('latin1'));
  else if (Array.isArray(value)) for (const item of value) bytesIn(item, found);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) bytesIn(item, found);
  return found;
}
