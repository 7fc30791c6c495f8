import { workerMetricsAddress } from '../support/worker-metrics';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiMetrics, startTelemetry, type Telemetry } from '../../server/infra/telemetry';
import { contactWorkflowId } from '../../workflows/contact';
import { eventually, startStack, type TestStack } from '../support/stack';
import { decideScreening, receiveContact, screenable } from '../support/walk';

// Observability end to end: tracing on (spans sent by OTLP/HTTP JSON to a receiver in this test), one contact
// through GraphQL, and its spans read back from the raw bytes the exporter sent; metrics scraped from the API's
// /metrics and the Temporal worker's Prometheus endpoint.

interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number }
interface OtlpExport { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }

const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 };

let receiver: Server;
const bodies: Buffer[] = [];
let telemetry: Telemetry;
let metrics: ApiMetrics;
let stack: TestStack;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') bodies.push(Buffer.concat(chunks));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  telemetry = startTelemetry({ endpoint, serviceName: 'front-door-test' })!;
  metrics = new ApiMetrics();
  stack = await startStack({ telemetry, metrics });
});

afterAll(async () => {
  await stack?.stop();
  await telemetry?.shutdown();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

function exportedSpans(): { service: string; span: OtlpSpan }[] {
  return bodies.flatMap((body) =>
    (JSON.parse(body.toString('utf8')) as OtlpExport).resourceSpans.flatMap((resourceSpans) => {
      const service = resourceSpans.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      return resourceSpans.scopeSpans.flatMap((scope) => scope.spans.map((span) => ({ service, span })));
    }),
  );
}

describe('tracing', () => {
  it('one contact is one connected trace from the HTTP request to its SQL, and no personal data leaves in any span', async () => {
    const token = await stack.token({ user: `tracer-${randomUUID().slice(0, 8)}`, roles: ['practitioner', 'manager'], boroughs: ['hf'] });
    const unique = randomUUID().slice(0, 8);
    const child = { firstName: `Tracy${unique}`, lastName: `Spanwell${unique}`, dateOfBirth: DateTime.now().minus({ years: 4, days: 17 }).toISODate() };
    const summary = `Nursery reports bruising seen on arrival ${unique}.`;
    const referrerName = `Referrer Person ${unique}`;
    const received = await stack.graphql<{ receiveContact: { contactId: string } }>(
      'mutation Receive($input: ReceiveContactInput!) { receiveContact(input: $input) { contactId } }',
      { input: { borough: 'hf', channel: 'PHONE', consent: 'NOT_SOUGHT', referrer: { type: 'HEALTH_VISITOR', name: referrerName, organisation: 'Community health' }, children: [child], indicators: ['NEGLECT'], summary } },
      token,
    );
    expect(received.errors).toBeUndefined();
    const contactId = received.data!.receiveContact.contactId;
    await screenable(stack, token, contactId);
    // Closing the contact ends its workflow, and so its RunWorkflow span (a span is exported when it ends).
    expect((await decideScreening(stack, token, contactId, { pathway: 'NO_FURTHER_ACTION', rag: 'GREEN', levelOfNeed: 1, primaryNeed: null })).errors).toBeUndefined();
    await stack.temporal.workflow.getHandle(contactWorkflowId(contactId)).result();
    await telemetry.flush();

    const all = exportedSpans();
    const server = all.find(({ span }) => span.kind === SPAN_KIND.SERVER && all.some((o) => o.span.parentSpanId === span.spanId && o.span.name === 'mutation receiveContact'));
    expect(server, 'the HTTP span of the receiveContact request').toBeDefined();
    const trace = all.filter(({ span }) => span.traceId === server!.span.traceId);
    const ids = new Set(trace.map(({ span }) => span.spanId));
    const orphans = trace.filter(({ span }) => span !== server!.span && !ids.has(span.parentSpanId ?? ''));
    expect(orphans.map(({ span }) => span.name), 'spans whose parent is not in the trace').toEqual([]);
    expect(server!.span.parentSpanId ?? '').toBe('');

    const names = trace.map(({ span }) => span.name);
    expect(names).toContain('POST /graphql');
    expect(names).toContain('mutation receiveContact');
    expect(names).toContain('StartWorkflow:contactWorkflow');
    expect(names).toContain('RunWorkflow:contactWorkflow');
    expect(names).toContain('StartActivity:recordContact');
    expect(names).toContain('RunActivity:recordContact');
    expect(names.some((n) => /^insert \w+/.test(n)), `an SQL span among ${names.join(', ')}`).toBe(true);
    // SQL run by an activity hangs under that activity.
    const byId = new Map(trace.map(({ span }) => [span.spanId, span]));
    const ancestors = (span: OtlpSpan): string[] => (span.parentSpanId && byId.has(span.parentSpanId) ? [byId.get(span.parentSpanId)!.name, ...ancestors(byId.get(span.parentSpanId)!)] : []);
    expect(trace.some(({ span }) => span.kind === SPAN_KIND.CLIENT && span.name.startsWith('insert') && ancestors(span).includes('RunActivity:recordContact'))).toBe(true);
    expect(new Set(trace.map(({ service }) => service))).toEqual(new Set(['front-door-test-api', 'front-door-test-worker']));

    // Nothing personal, no variables, no results: search every byte the exporter sent.
    const raw = Buffer.concat(bodies).toString('utf8');
    for (const secret of [child.firstName, child.lastName, child.dateOfBirth, summary, unique, referrerName]) expect(raw).not.toContain(secret);
    expect(raw).not.toContain('NEGLECT');
  });
});

describe('metrics', () => {
  it('the API counts requests by operation on /metrics, and the worker serves the SDK metrics', async () => {
    const value = (text: string, line: RegExp) => Number(line.exec(text)?.[1] ?? 0);
    const scrape = async (url: string) => (await fetch(url)).text();
    const receives = /^front_door_api_requests_total\{operation="mutation receiveContact"\} (\d+)$/m;
    const notFound = /^front_door_api_errors_total\{operation="query contact",code="NOT_FOUND"\} (\d+)$/m;
    const unauthenticated = /^front_door_api_errors_total\{operation="unknown",code="UNAUTHENTICATED"\} (\d+)$/m;
    const completedTasks = /^temporal_workflow_task_execution_latency_count\{[^}]*\} (\d+)$/m;
    const before = { api: await scrape(`${stack.url}/metrics`), worker: await scrape(`http://${workerMetricsAddress}/metrics`) };

    const token = await stack.token({ boroughs: ['hf'] });
    const contactId = await receiveContact(stack, token);
    await screenable(stack, token, contactId);
    // (Waiting for the contact read it as not found a few times: count the errors from here.)
    const screened = await scrape(`${stack.url}/metrics`);
    await stack.graphql('query ($id: ID!) { contact(id: $id) { status } }', { id: randomUUID() }, token);
    await stack.graphql('query ($id: ID!) { contact(id: $id) { status } }', { id: contactId }, 'not-a-token');

    const api = await scrape(`${stack.url}/metrics`);
    expect(value(api, receives)).toBe(value(before.api, receives) + 1);
    expect(value(api, notFound)).toBe(value(screened, notFound) + 1);
    expect(value(api, unauthenticated)).toBe(value(before.api, unauthenticated) + 1);
    expect(api).toMatch(/^front_door_api_request_duration_seconds_count\{operation="mutation receiveContact"\} \d+$/m);
    const worker = await eventually(() => scrape(`http://${workerMetricsAddress}/metrics`), (text) => value(text, completedTasks) > value(before.worker, completedTasks));
    // A contact's writes are local activities (patch front-door-local-activities): the SDK counts each by its type.
    expect(worker).toMatch(/^temporal_local_activity_execution_latency_count\{activity_type="recordContact",[^}]*\} \d+$/m);
  });
});
