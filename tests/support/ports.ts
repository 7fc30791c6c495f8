// A TCP port free on 127.0.0.1 right now (one definition: server/infra/tools.ts).
export { freePort } from '../../server/infra/tools';
