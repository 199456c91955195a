import Providers from "../components/Providers.jsx";

export default function RootLayout({ children, path }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>Query</title>
      </head>
      <body data-path={path}>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
