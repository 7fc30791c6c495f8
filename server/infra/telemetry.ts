import { createRequire } from 'node:module';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { WorkerInterceptors, WorkerOptions } from '@temporalio/worker';
import { getOperationAST, Kind, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { traceQueries } from '../../db/sql';

/**
 * Traces (OpenTelemetry, exported by OTLP/HTTP) and the API's Prometheus metrics.
 *
 * Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then nothing is registered, no interceptor is installed
 * and no span is made. When on, one request is one trace: the HTTP request, its GraphQL operation (type and root
 * field, never variables or results), the workflow start, the workflow and its activities (Temporal's interceptors),
 * and a span per SQL statement (its first words, never its parameters).
 */
export interface Telemetry {
  /** The tracer of a role (its spans carry service.name `<OTEL_SERVICE_NAME>-api` or `-worker`). */
  tracer(role: TelemetryRole): Tracer;
  /** Interceptors for a Temporal client of the given role. */
  clientInterceptors(role: TelemetryRole): { workflow: WorkflowClientInterceptor[] };
  /** What a worker adds: interceptors (activities, and the workflow module in the bundle) and the workflow span sink. */
  worker(): { interceptors: WorkerInterceptors; sinks: NonNullable<WorkerOptions['sinks']> };
  /** Sends every span still buffered. */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

export type TelemetryRole = 'api' | 'worker';

/** The module the worker bundles with the workflows when tracing is on (the workflow side of the interceptors). */
export const workflowInterceptorModule = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export interface TelemetrySettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL (spans go to `<endpoint>/v1/traces`). */
  endpoint: string | undefined;
  /** OTEL_SERVICE_NAME: the base of the service names. */
  serviceName: string;
}

let started: Telemetry | null = null;

/** Starts tracing if an endpoint is configured (once per process); returns null, at no cost, when it is not. */
export function startTelemetry(settings: TelemetrySettings): Telemetry | null {
  if (!settings.endpoint) return null;
  if (started) return started;
  const url = `${settings.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const providers = new Map<TelemetryRole, { provider: NodeTracerProvider; processor: SpanProcessor; resource: Resource }>();
  for (const role of ['api', 'worker'] as const) {
    const resource = new Resource({ 'service.name': `${settings.serviceName}-${role}` });
    const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
    providers.set(role, { provider: new NodeTracerProvider({ resource, spanProcessors: [processor] }), processor, resource });
  }
  const of = (role: TelemetryRole) => providers.get(role)!;
  // The API's provider is the global one (context propagation, and SQL spans where no role is known).
  of('api').provider.register();
  const tracer = (role: TelemetryRole) => of(role).provider.getTracer('front-door');
  traceQueries(tracer('api'));
  started = {
    tracer,
    clientInterceptors: (role) => ({ workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracer(role) })] }),
    worker: () => ({
      interceptors: {
        workflowModules: [workflowInterceptorModule],
        activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracer('worker') }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      },
      sinks: { exporter: makeWorkflowExporter(of('worker').processor, of('worker').resource) },
    }),
    flush: async () => {
      await Promise.all([...providers.values()].map((p) => p.provider.forceFlush()));
    },
    shutdown: async () => {
      await Promise.all([...providers.values()].map((p) => p.provider.shutdown()));
    },
  };
  return started;
}

/** The running telemetry, if tracing is on. */
export function activeTelemetry(): Telemetry | null {
  return started;
}

/** What the API knows about a request's GraphQL operation, for its span and its metrics. */
interface OperationSeen {
  type: string;
  field: string;
  errorCode: string | null;
}

/**
 * The API's metrics, on one registry: requests, their duration and their errors, by operation (`query contact`,
 * `mutation receiveContact`: the type and the first root field, which the schema bounds, never a client's text).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'front_door_api_requests_total', help: 'GraphQL requests, by operation.', labelNames: ['operation'], registers: [this.registry] });
  readonly errors = new Counter({ name: 'front_door_api_errors_total', help: 'GraphQL requests answered with errors, by operation and error code.', labelNames: ['operation', 'code'], registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'front_door_api_request_duration_seconds',
    help: 'Time to answer a GraphQL request, by operation.',
    labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'front_door_api_' });
  }
}

/**
 * The yoga plugin that makes the request's spans (when a tracer is given) and counts it (when metrics are given).
 * Spans: a SERVER span per HTTP request (method and path, never the query string), a child per GraphQL operation
 * named by its type and root field. Nothing of the variables or the result is recorded.
 */
export function useObservability(options: { tracer: Tracer | null; metrics: ApiMetrics | null }): Plugin {
  const { tracer, metrics } = options;
  const seen = new WeakMap<Request, OperationSeen>();
  const spans = new WeakMap<Request, Span>();
  const operationSpans = new WeakMap<object, Span>();
  return {
    instrumentation: {
      request: ({ request }, wrapped) => {
        const url = new URL(request.url);
        if (url.pathname !== '/graphql') return wrapped();
        const began = performance.now();
        const finish = () => {
          if (!metrics) return;
          const operation = seen.get(request);
          // `unknown`: refused before its operation was read (unreadable body, bad token, over a limit).
          const label = operation?.type ? `${operation.type} ${operation.field}` : 'unknown';
          metrics.requests.inc({ operation: label });
          metrics.duration.observe({ operation: label }, (performance.now() - began) / 1000);
          if (operation?.errorCode) metrics.errors.inc({ operation: label, code: operation.errorCode });
        };
        if (!tracer) return after(wrapped(), finish);
        const parent = propagation.extract(context.active(), Object.fromEntries(request.headers.entries()));
        const span = tracer.startSpan(`${request.method} ${url.pathname}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': url.pathname } }, parent);
        spans.set(request, span);
        return context.with(trace.setSpan(parent, span), () =>
          after(wrapped(), () => {
            finish();
            span.end();
          }),
        );
      },
      execute: ({ context: yogaContext }, wrapped) => {
        if (!tracer) return wrapped();
        const span = tracer.startSpan('graphql', { kind: SpanKind.INTERNAL });
        operationSpans.set(yogaContext, span);
        return context.with(trace.setSpan(context.active(), span), () => after(wrapped(), () => span.end()));
      },
    },
    onExecute({ args }) {
      const operation = operationOf(args.document as DocumentNode, (args.operationName as string | null | undefined) ?? undefined);
      const request = (args.contextValue as { request?: Request }).request;
      if (request) seen.set(request, { ...operation, errorCode: null });
      const span = operationSpans.get(args.contextValue);
      span?.updateName(`${operation.type} ${operation.field}`);
      span?.setAttributes({ 'graphql.operation.type': operation.type, 'graphql.operation.root_field': operation.field });
      return {
        onExecuteDone({ result }) {
          const code = firstErrorCode(result);
          if (code) span?.setStatus({ code: SpanStatusCode.ERROR, message: code });
        },
      };
    },
    onResultProcess({ request, result }) {
      // Every answer passes here, also those refused before execution (a bad token): count its first error's code.
      const code = firstErrorCode(result);
      if (code) seen.set(request, { ...(seen.get(request) ?? { type: '', field: '' }), errorCode: code });
    },
    onResponse({ request, response }) {
      const span = spans.get(request);
      span?.setAttribute('http.response.status_code', response.status);
      if (span && response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    },
  };
}

function operationOf(document: DocumentNode, operationName: string | undefined): { type: string; field: string } {
  const operation = getOperationAST(document, operationName);
  if (!operation) return { type: 'unknown', field: 'unknown' };
  const first = operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  return { type: operation.operation, field: first?.kind === Kind.FIELD ? first.name.value : 'fragment' };
}

function firstErrorCode(result: unknown): string | null {
  const first = Array.isArray(result) ? (result[0] as unknown) : result;
  const errors = typeof first === 'object' && first !== null && 'errors' in first ? (first.errors as readonly GraphQLError[] | undefined) : undefined;
  if (!errors?.length) return null;
  const code = errors[0]?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

function after<T>(value: T | Promise<T>, done: () => void): T | Promise<T> {
  if (value instanceof Promise) return value.finally(done);
  done();
  return value;
}
