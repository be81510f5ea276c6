/**
 * The stop-motion studio part of the console protocol (see protocol.ts for the conventions).
 * Dependency-free apart from zod: bundled into the browser.
 */

export const studioClientMessages = [] as const;

export const studioServerMessages = [] as const;
