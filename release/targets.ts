/** The platforms a release is built for: one single executable each, cross-compiled by bun. */
export interface ReleaseTarget {
  /** Our name for it, used in file names and `--targets`. */
  readonly name: string;
  /** bun build --compile --target value. */
  readonly bunTarget: string;
  /** `process.arch` of a host that can run it (the build verifies the one it can run). */
  readonly arch: "x64" | "arm64";
  /** What the host's CPU and C library must offer, for docs/install.md and the manifest. */
  readonly requires: string;
  /** Built by `npm run release` without `--targets`. */
  readonly byDefault: boolean;
}

export const TARGETS: readonly ReleaseTarget[] = [
  { name: "linux-x64", bunTarget: "bun-linux-x64", arch: "x64", requires: "x86-64 with AVX2 (Haswell, 2013, or newer), glibc", byDefault: true },
  // Many hypervisors expose a CPU model without AVX2 (e.g. QEMU's default, older vSphere EVC
  // levels); the modern build dies there with "Illegal instruction".
  { name: "linux-x64-baseline", bunTarget: "bun-linux-x64-baseline", arch: "x64", requires: "any x86-64 with SSE4.2 (Nehalem, 2008, or newer), glibc", byDefault: true },
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", arch: "arm64", requires: "ARMv8 64-bit, glibc", byDefault: true },
  { name: "linux-x64-musl", bunTarget: "bun-linux-x64-musl", arch: "x64", requires: "x86-64 with AVX2, musl libc (Alpine)", byDefault: false },
  { name: "linux-arm64-musl", bunTarget: "bun-linux-arm64-musl", arch: "arm64", requires: "ARMv8 64-bit, musl libc (Alpine)", byDefault: false },
];

/** The targets named in a comma list, or the default set; unknown names are one clear error. */
export function selectTargets(list: string | undefined): ReleaseTarget[] {
  if (!list) return TARGETS.filter((t) => t.byDefault);
  return list.split(",").map((name) => {
    const found = TARGETS.find((t) => t.name === name.trim());
    if (!found) throw new Error(`--targets: unknown target "${name}" (known: ${TARGETS.map((t) => t.name).join(", ")})`);
    return found;
  });
}
