export default function RootLayout({ children, path }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>Markdown</title>
      </head>
      <body>
        <nav>
          <a href="/">Notes</a> · <a href="/docs/tables">Tables</a> · <a href="/docs/tasks">Tasks</a>
        </nav>
        <main data-path={path}>{children}</main>
      </body>
    </html>
  );
}
