import { preconnect, prefetchDNS } from "react-dom";

export default function RootLayout({ children, path }) {
  preconnect("https://fonts.example.com", { crossOrigin: "anonymous" });
  prefetchDNS("https://cdn.example.com");
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>Settings</title>
      </head>
      <body>
        <nav>
          <a href="/">Home</a> <a href="/settings/account">Account</a> <a href="/settings/password">Password</a>
        </nav>
        <main data-path={path}>{children}</main>
      </body>
    </html>
  );
}
