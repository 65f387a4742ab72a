// The progress events blob transfers report (push, pull, clone, export from a remote), for callers
// that show them: types only.
export type { TransferDirection, TransferEvent, TransferListener } from '../core/remote/backend.js';
