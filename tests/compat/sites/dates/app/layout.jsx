export default function RootLayout({ children, path }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>Dates</title>
      </head>
      <body>
        <header>
          <a href="/">Calendar</a> <small>{path}</small>
        </header>
        {children}
      </body>
    </html>
  );
}
