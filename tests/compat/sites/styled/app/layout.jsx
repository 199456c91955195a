import { ThemeProvider } from "styled-components";
import StyledRegistry from "../components/StyledRegistry.jsx";
import GlobalStyle from "../components/GlobalStyle.jsx";
import Nav from "../components/Nav.jsx";
import { theme } from "../components/theme.js";

export default function RootLayout({ children, path }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>Styled shop</title>
      </head>
      <body>
        <StyledRegistry>
          <ThemeProvider theme={theme}>
            <GlobalStyle />
            <Nav path={path} />
            <main>{children}</main>
          </ThemeProvider>
        </StyledRegistry>
      </body>
    </html>
  );
}
