export const theme = {
  colors: { primary: "#5b21b6", accent: "#f59e0b", text: "#111827", muted: "#6b7280", surface: "#ffffff" },
  radius: "8px",
  space: (n) => `${n * 4}px`,
  breakpoints: { md: "768px" },
};
