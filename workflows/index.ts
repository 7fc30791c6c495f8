// Every workflow the worker runs. The worker bundles this file; nothing here may do I/O.
export { contactWorkflow } from './contact';
export { episodeWorkflow } from './episode';
