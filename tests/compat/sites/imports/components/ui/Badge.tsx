import type { ReactNode } from "react";

type BadgeProps = { tone?: "info" | "warn"; children: ReactNode };

export default function Badge({ tone = "info", children }: BadgeProps) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
