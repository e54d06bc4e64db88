/**
 * How every SDK client of Airlock runs its calls: the SDK's `cacheMiddleware` option resolves a
 * command's middleware stack once per command class instead of on every call (the SDK's estimate:
 * up to 1 ms a call; a local PutItem went from 1.7–1.8 to 1.2–1.6 ms p50). Its one condition — no
 * middleware added to a client after its first call — holds: Airlock adds none.
 */
export const AWS_SDK_CALLS = { cacheMiddleware: true } as const;
