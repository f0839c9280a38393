/** @file how the app writes numbers: a fixed count of significant digits, ASCII minus so they parse back */

/**
 * A number to `digits` significant digits (trailing zeros kept: "2.00000000" says how precise it is),
 * "-" for minus so Number() reads the text back; exponent form outside [1e-4, 1e9).
 */
export function formatNumber(v: number, digits = 9): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const abs = Math.abs(v);
  return abs >= 1e-4 && abs < 1e9 ? v.toPrecision(digits) : v.toExponential(digits - 1);
}

/** A short number for labels on the canvas (4 significant digits). */
export function formatShort(v: number): string {
  return formatNumber(v, 4);
}
