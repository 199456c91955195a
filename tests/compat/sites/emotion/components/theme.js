export const theme = {
  colors: { brand: "#be123c", ink: "#1f2937", paper: "#fff7ed", line: "#fed7aa" },
  font: "Georgia, serif",
  space: [0, 4, 8, 16, 32, 64],
};
