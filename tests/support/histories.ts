import proto from '@temporalio/proto';

// CommonJS package: its namespaces come through the default export under Node's ESM loader.
const { temporal } = proto;

/** A workflow history as fixture JSON (protobuf object form: longs and bytes as strings, enums by name). */
export function historyToFixture(history: proto.temporal.api.history.v1.IHistory): string {
  const plain = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), { longs: String, enums: String, bytes: String });
  return `${JSON.stringify(plain, null, 1)}\n`;
}

/** A fixture back into a history that `Worker.runReplayHistory` accepts. */
export function historyFromFixture(json: string): proto.temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(JSON.parse(json) as Record<string, unknown>);
}
