const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonProblem = { kind: 'too_deep'; maxDepth: number } | { kind: 'forbidden_key'; key: string };

/**
 * Walks a parsed JSON value without recursion (so a 10 000-level document cannot exhaust the stack) and
 * reports nesting beyond `maxDepth` or a key that could pollute prototypes.
 */
export function inspectJson(value: unknown, maxDepth: number): JsonProblem | null {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return { kind: 'too_deep', maxDepth };
    if (Array.isArray(node)) {
      for (const item of node) stack.push({ node: item, depth: depth + 1 });
      continue;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) return { kind: 'forbidden_key', key };
      stack.push({ node: (node as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  return null;
}

/** Whether a query string carries keys that could pollute prototypes (`?__proto__[x]=1`). */
export function hasForbiddenQueryKey(query: Record<string, unknown>): boolean {
  return Object.keys(query).some((key) => [...FORBIDDEN_KEYS].some((forbidden) => key.includes(forbidden)));
}
