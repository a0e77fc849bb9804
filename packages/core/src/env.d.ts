// Core is runtime-neutral (no DOM or Node typings). These globals exist in every runtime it targets
// (Node >= 17, browsers, Deno, Bun, workers).
declare function structuredClone<T>(value: T): T;
declare function setTimeout(callback: (...args: never[]) => void, ms?: number): unknown;
