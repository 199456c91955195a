import { ThemeProvider } from "@mui/material/styles";
import CssBaseline from "@mui/material/CssBaseline";
import Container from "@mui/material/Container";
import MuiRegistry from "../components/MuiRegistry.jsx";
import TopBar from "../components/TopBar.jsx";
import { theme } from "../components/theme.js";

export default function RootLayout({ children, path }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="initial-scale=1, width=device-width" />
        <title>MUI orders</title>
      </head>
      <body>
        <MuiRegistry>
          <ThemeProvider theme={theme}>
            <CssBaseline />
            <TopBar path={path} />
            <Container maxWidth="md" sx={{ py: 3 }}>
              {children}
            </Container>
          </ThemeProvider>
        </MuiRegistry>
      </body>
    </html>
  );
}
