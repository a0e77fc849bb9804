// Core is runtime-neutral (no DOM or Node typings). These globals exist in every runtime it targets
// (Node >= 17, browsers, Deno, Bun, workers).
declare function structuredClone<T>(value: T): T;
// Timers bound how long a read waits for background payment recovery and schedule background PSP cleanup
// (service.ts); never for business time, which always comes from the Clock port.
declare function setTimeout(callback: (...args: never[]) => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
