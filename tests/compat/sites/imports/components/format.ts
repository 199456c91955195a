// A TypeScript helper, imported without its extension.
export interface Price {
  cents: number;
  currency: "EUR" | "USD";
}

export function formatVersion(version: number): string {
  return `v${version}.0`;
}

export function formatPrice({ cents, currency }: Price): string {
  const whole = Math.floor(cents / 100);
  const rest = String(cents % 100).padStart(2, "0");
  return currency === "EUR" ? `${whole},${rest} €` : `$${whole}.${rest}`;
}

export const enum Size {
  Small = 16,
  Large = 48,
}

export function iconSize(large: boolean): number {
  return large ? Size.Large : Size.Small;
}
