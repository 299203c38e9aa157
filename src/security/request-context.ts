import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line and audit record needs to know about the current request. */
export interface RequestContext {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  userId?: string;
  companyId?: string | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  current(): RequestContext | undefined {
    return storage.getStore();
  },
};
