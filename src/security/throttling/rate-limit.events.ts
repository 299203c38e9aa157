import { Injectable } from '@nestjs/common';

type ThrottledListener = (throttler: string) => void;

/** Lets metrics count throttled requests without the guards knowing about metrics. */
@Injectable()
export class RateLimitEvents {
  private readonly listeners: ThrottledListener[] = [];

  onThrottled(listener: ThrottledListener): void {
    this.listeners.push(listener);
  }

  throttled(throttler: string): void {
    for (const listener of this.listeners) listener(throttler);
  }
}
