import { ThemeProvider } from "@emotion/react";
import EmotionRegistry from "../components/EmotionRegistry.jsx";
import { SiteFrame } from "../components/Layout.jsx";
import { theme } from "../components/theme.js";

export default function RootLayout({ children, path }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>The Emotion Gazette</title>
      </head>
      <body>
        <EmotionRegistry cacheKey="gz">
          <ThemeProvider theme={theme}>
            <SiteFrame path={path}>{children}</SiteFrame>
          </ThemeProvider>
        </EmotionRegistry>
      </body>
    </html>
  );
}
