/**
 * The forcing term's radial basis over the canonical phase x (1 → e^(−α_x)):
 * ψ_i(x) = exp(−h_i (x − c_i)²), shared by learning and rollout.
 */
export interface Basis {
  c: Float64Array;
  h: Float64Array;
}
const basisCache = new Map<string, Basis>();

/** Centres evenly spaced in time (c_i = exp(−α_x i/(N−1))); neighbours overlap at e^(−1). */
export function basisOf(n: number, alphaX: number): Basis {
  const key = `${n}:${alphaX}`;
  let b = basisCache.get(key);
  if (!b) {
    const c = new Float64Array(n),
      h = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = Math.exp((-alphaX * i) / Math.max(1, n - 1));
    for (let i = 0; i < n - 1; i++) h[i] = 1 / (c[i + 1] - c[i]) ** 2;
    h[n - 1] = h[Math.max(0, n - 2)];
    b = { c, h };
    basisCache.set(key, b);
  }
  return b;
}

/** Normalised activations ψ_i(x)/Σψ into `out` (terms below e^(−30) skipped). */
export function activations(b: Basis, x: number, out: Float64Array): void {
  let sum = 0;
  const c = b.c,
    h = b.h;
  for (let i = 0; i < out.length; i++) {
    const d = x - c[i];
    const a = h[i] * d * d;
    const v = a > 30 ? 0 : Math.exp(-a);
    out[i] = v;
    sum += v;
  }
  const k = sum > 1e-300 ? 1 / sum : 0;
  for (let i = 0; i < out.length; i++) out[i] *= k;
}
