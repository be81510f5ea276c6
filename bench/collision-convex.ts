/**
 * TEMPORARY narrow phase for the benchmark's stand-in collision model (collision-anchor-model.ts):
 * overlap tests between convex primitives posed in the world (meters). Boxes against boxes use the
 * separating-axis test, a sphere against a box its closest point, and every pair with a cylinder
 * or capsule a boolean GJK on support functions. Allocation-free: scratch is module-level.
 *
 * A shape is (kind, pose P[o..o+12) = rotation column-major then origin, size s[3k..3k+3)):
 *   box: half sizes; cylinder: radius, radius, half length (axis = local z);
 *   sphere: radius ×3; capsule: radius, radius, half length of its segment (axis = local z).
 */
export const BOX = 0,
  CYL = 1,
  SPH = 2,
  CAP = 3;

/** Reused scratch for obbObb: R = Aᵀ·B, |R| (+ε), half sizes, B's center in A's frame */
const Rm = new Float64Array(9),
  AR = new Float64Array(9),
  EA = new Float64Array(3),
  EB = new Float64Array(3),
  T = new Float64Array(3);

/**
 * Oriented boxes A (pose A[ao..], half sizes ea[eo..]) and B overlap? Separating-axis test over
 * the 15 candidate axes (3 + 3 face normals, 9 edge cross products); the epsilon on |R| keeps near
 * parallel edges from making a false separating axis.
 */
export function obbObb(
  A: Float64Array,
  ao: number,
  ea: Float64Array,
  eao: number,
  B: Float64Array,
  bo: number,
  eb: Float64Array,
  ebo: number,
): boolean {
  for (let k = 0; k < 3; k++) {
    EA[k] = ea[eao + k];
    EB[k] = eb[ebo + k];
  }
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      const v = A[ao + 3 * i] * B[bo + 3 * j] + A[ao + 3 * i + 1] * B[bo + 3 * j + 1] + A[ao + 3 * i + 2] * B[bo + 3 * j + 2];
      Rm[3 * i + j] = v;
      AR[3 * i + j] = Math.abs(v) + 1e-12;
    }
  const dx = B[bo + 9] - A[ao + 9],
    dy = B[bo + 10] - A[ao + 10],
    dz = B[bo + 11] - A[ao + 11];
  for (let i = 0; i < 3; i++) T[i] = dx * A[ao + 3 * i] + dy * A[ao + 3 * i + 1] + dz * A[ao + 3 * i + 2];
  for (let i = 0; i < 3; i++) if (Math.abs(T[i]) > EA[i] + EB[0] * AR[3 * i] + EB[1] * AR[3 * i + 1] + EB[2] * AR[3 * i + 2]) return false;
  for (let j = 0; j < 3; j++) {
    const tj = T[0] * Rm[j] + T[1] * Rm[3 + j] + T[2] * Rm[6 + j];
    if (Math.abs(tj) > EA[0] * AR[j] + EA[1] * AR[3 + j] + EA[2] * AR[6 + j] + EB[j]) return false;
  }
  for (let i = 0; i < 3; i++) {
    const i1 = (i + 1) % 3,
      i2 = (i + 2) % 3;
    for (let j = 0; j < 3; j++) {
      const j1 = (j + 1) % 3,
        j2 = (j + 2) % 3;
      const ra = EA[i1] * AR[3 * i2 + j] + EA[i2] * AR[3 * i1 + j];
      const rb = EB[j1] * AR[3 * i + j2] + EB[j2] * AR[3 * i + j1];
      if (Math.abs(T[i2] * Rm[3 * i1 + j] - T[i1] * Rm[3 * i2 + j]) > ra + rb) return false;
    }
  }
  return true;
}

/** Sphere (center x,y,z; radius r) vs box (pose B[bo..], half sizes h[ho..]): closest point in the box frame. */
export function sphereBox(x: number, y: number, z: number, r: number, B: Float64Array, bo: number, h: Float64Array, ho: number): boolean {
  const dx = x - B[bo + 9],
    dy = y - B[bo + 10],
    dz = z - B[bo + 11];
  let d2 = 0;
  for (let a = 0; a < 3; a++) {
    const l = dx * B[bo + 3 * a] + dy * B[bo + 3 * a + 1] + dz * B[bo + 3 * a + 2],
      e = h[ho + a];
    const out = l > e ? l - e : l < -e ? -e - l : 0;
    d2 += out * out;
  }
  return d2 <= r * r;
}

/** Support point of a shape in world direction (dx, dy, dz), written to `out` at offset oo. */
function support(
  kind: number,
  P: Float64Array,
  o: number,
  s: Float64Array,
  so: number,
  dx: number,
  dy: number,
  dz: number,
  out: Float64Array,
  oo: number,
): void {
  // direction in the shape frame
  const lx = dx * P[o] + dy * P[o + 1] + dz * P[o + 2],
    ly = dx * P[o + 3] + dy * P[o + 4] + dz * P[o + 5],
    lz = dx * P[o + 6] + dy * P[o + 7] + dz * P[o + 8];
  let px = 0,
    py = 0,
    pz = 0;
  if (kind === BOX) {
    px = lx >= 0 ? s[so] : -s[so];
    py = ly >= 0 ? s[so + 1] : -s[so + 1];
    pz = lz >= 0 ? s[so + 2] : -s[so + 2];
  } else if (kind === CYL) {
    const n = Math.hypot(lx, ly);
    if (n > 1e-12) {
      px = (s[so] * lx) / n;
      py = (s[so] * ly) / n;
    }
    pz = lz >= 0 ? s[so + 2] : -s[so + 2];
  } else {
    // sphere, or capsule = its segment ⊕ a sphere
    const n = Math.hypot(lx, ly, lz),
      r = s[so];
    if (n > 1e-12) {
      px = (r * lx) / n;
      py = (r * ly) / n;
      pz = (r * lz) / n;
    }
    if (kind === CAP) pz += lz >= 0 ? s[so + 2] : -s[so + 2];
  }
  out[oo] = P[o + 9] + P[o] * px + P[o + 3] * py + P[o + 6] * pz;
  out[oo + 1] = P[o + 10] + P[o + 1] * px + P[o + 4] * py + P[o + 7] * pz;
  out[oo + 2] = P[o + 11] + P[o + 2] * px + P[o + 5] * py + P[o + 8] * pz;
}

/** GJK simplex: up to 4 points of the Minkowski difference A − B (newest last), and scratch */
const S = new Float64Array(12),
  SA = new Float64Array(3),
  SB = new Float64Array(3),
  D = new Float64Array(3),
  S2 = new Float64Array(12);
let nS = 0;
const GJK_MAX_ITERATIONS = 48;

/**
 * Do the convex shapes overlap? Boolean GJK: grow a simplex of Minkowski-difference support points
 * toward the origin; a support point that does not pass the origin separates them, a simplex that
 * encloses it proves contact. Not converging within the cap (degenerate, touching) counts as contact.
 */
export function gjkOverlap(
  ka: number,
  A: Float64Array,
  ao: number,
  sa: Float64Array,
  sao: number,
  kb: number,
  B: Float64Array,
  bo: number,
  sb: Float64Array,
  sbo: number,
): boolean {
  D[0] = B[bo + 9] - A[ao + 9];
  D[1] = B[bo + 10] - A[ao + 10];
  D[2] = B[bo + 11] - A[ao + 11];
  if (D[0] * D[0] + D[1] * D[1] + D[2] * D[2] < 1e-24) D[0] = 1;
  nS = 0;
  for (let it = 0; it < GJK_MAX_ITERATIONS; it++) {
    // new point: support of A − B in direction D
    support(ka, A, ao, sa, sao, D[0], D[1], D[2], SA, 0);
    support(kb, B, bo, sb, sbo, -D[0], -D[1], -D[2], SB, 0);
    const px = SA[0] - SB[0],
      py = SA[1] - SB[1],
      pz = SA[2] - SB[2];
    if (px * D[0] + py * D[1] + pz * D[2] < 0) return false;
    S[3 * nS] = px;
    S[3 * nS + 1] = py;
    S[3 * nS + 2] = pz;
    nS++;
    if (nextSimplex()) return true;
    if (D[0] * D[0] + D[1] * D[1] + D[2] * D[2] < 1e-24) return true; // origin on the simplex: touching
  }
  return true;
}

/** Set the search direction. */
function setD(x: number, y: number, z: number): void {
  D[0] = x;
  D[1] = y;
  D[2] = z;
}

/** Keep the points with the given indices (in that order, −1 = none) of the current simplex. */
function keep(i: number, j = -1, k = -1): void {
  S2.set(S);
  nS = 0;
  for (let m = 0; m < 3; m++) {
    const q = m === 0 ? i : m === 1 ? j : k;
    if (q < 0) continue;
    S[3 * nS] = S2[3 * q];
    S[3 * nS + 1] = S2[3 * q + 1];
    S[3 * nS + 2] = S2[3 * q + 2];
    nS++;
  }
}

/**
 * Reduce the simplex to the feature nearest the origin and set the next search direction; true
 * when the simplex (a tetrahedron) contains the origin. The newest point is `a` (last).
 */
function nextSimplex(): boolean {
  if (nS === 1) {
    setD(-S[0], -S[1], -S[2]);
    return false;
  }
  if (nS === 2) return line(1, 0);
  if (nS === 3) return triangle(2, 1, 0);
  return tetrahedron();
}

/** Segment with newest point a (index ia) and b. */
function line(ia: number, ib: number): boolean {
  const ax = S[3 * ia],
    ay = S[3 * ia + 1],
    az = S[3 * ia + 2];
  const abx = S[3 * ib] - ax,
    aby = S[3 * ib + 1] - ay,
    abz = S[3 * ib + 2] - az;
  if (abx * -ax + aby * -ay + abz * -az > 0) {
    // direction: (ab × ao) × ab, perpendicular to ab toward the origin
    const cx = aby * -az - abz * -ay,
      cy = abz * -ax - abx * -az,
      cz = abx * -ay - aby * -ax;
    setD(cy * abz - cz * aby, cz * abx - cx * abz, cx * aby - cy * abx);
    keep(ib, ia);
  } else {
    setD(-ax, -ay, -az);
    keep(ia);
  }
  return false;
}

/** Triangle with newest point a and b, c (indices); b and c older. */
function triangle(ia: number, ib: number, ic: number): boolean {
  const ax = S[3 * ia],
    ay = S[3 * ia + 1],
    az = S[3 * ia + 2];
  const abx = S[3 * ib] - ax,
    aby = S[3 * ib + 1] - ay,
    abz = S[3 * ib + 2] - az;
  const acx = S[3 * ic] - ax,
    acy = S[3 * ic + 1] - ay,
    acz = S[3 * ic + 2] - az;
  const aox = -ax,
    aoy = -ay,
    aoz = -az;
  // normal abc = ab × ac
  const nx = aby * acz - abz * acy,
    ny = abz * acx - abx * acz,
    nz = abx * acy - aby * acx;
  // edge normals in the triangle's plane: (abc × ac) outward of ac, (ab × abc) outward of ab
  const ex = ny * acz - nz * acy,
    ey = nz * acx - nx * acz,
    ez = nx * acy - ny * acx;
  if (ex * aox + ey * aoy + ez * aoz > 0) {
    if (acx * aox + acy * aoy + acz * aoz > 0) {
      keep(ic, ia);
      return line(1, 0);
    }
    keep(ib, ia);
    return line(1, 0);
  }
  const fx = aby * nz - abz * ny,
    fy = abz * nx - abx * nz,
    fz = abx * ny - aby * nx;
  if (fx * aox + fy * aoy + fz * aoz > 0) {
    keep(ib, ia);
    return line(1, 0);
  }
  const side = nx * aox + ny * aoy + nz * aoz;
  if (side > 0) {
    keep(ic, ib, ia);
    setD(nx, ny, nz);
  } else {
    // origin below: flip the winding so the normal faces it
    keep(ib, ic, ia);
    setD(-nx, -ny, -nz);
  }
  return false;
}

/** Tetrahedron faces through a (index 3): pairs of the other indices, and the index left out */
const FACES = Int8Array.of(2, 1, 1, 0, 0, 2);
const OTHER = Int8Array.of(0, 2, 1);

/** Tetrahedron d, c, b, a (a newest): is the origin inside, or which face does it see? */
function tetrahedron(): boolean {
  const ax = S[9],
    ay = S[10],
    az = S[11];
  // faces through a: (a, b, c), (a, c, d), (a, d, b); outward normals face away from the 4th point
  for (let f = 0; f < 3; f++) {
    const i1 = FACES[2 * f],
      i2 = FACES[2 * f + 1];
    const ux = S[3 * i1] - ax,
      uy = S[3 * i1 + 1] - ay,
      uz = S[3 * i1 + 2] - az;
    const vx = S[3 * i2] - ax,
      vy = S[3 * i2 + 1] - ay,
      vz = S[3 * i2 + 2] - az;
    let nx = uy * vz - uz * vy,
      ny = uz * vx - ux * vz,
      nz = ux * vy - uy * vx;
    // the point not on this face
    const o = OTHER[f];
    const wx = S[3 * o] - ax,
      wy = S[3 * o + 1] - ay,
      wz = S[3 * o + 2] - az;
    if (nx * wx + ny * wy + nz * wz > 0) {
      nx = -nx;
      ny = -ny;
      nz = -nz;
    }
    if (nx * -ax + ny * -ay + nz * -az > 0) {
      // origin outside this face: continue with that triangle (a newest)
      keep(i2, i1, 3);
      return triangle(2, 1, 0);
    }
  }
  return true;
}
