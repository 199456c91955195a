import { createTheme } from "@mui/material/styles";

export const theme = createTheme({
  palette: {
    mode: "light",
    primary: { main: "#0f766e" },
    secondary: { main: "#c2410c" },
    background: { default: "#f8fafc" },
  },
  shape: { borderRadius: 10 },
  typography: {
    fontFamily: "Inter, Arial, sans-serif",
    h1: { fontSize: "2rem", fontWeight: 700 },
  },
  components: {
    MuiButton: { defaultProps: { disableElevation: true }, styleOverrides: { root: { textTransform: "none" } } },
  },
});
