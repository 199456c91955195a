import Nav from "../components/Nav.jsx";

// Inline stylesheet. Kept free of characters that HTML would escape
// (quotes, ampersands, angle brackets) so it is readable in the output.
const CSS = `
body { margin: 0; font-family: system-ui, sans-serif; color: #222; background: #fafafa; }
main { max-width: 960px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
.nav { display: flex; align-items: center; gap: 2rem; padding: 0.75rem 1.5rem; background: #1f2937; }
.nav a { color: #e5e7eb; text-decoration: none; }
.nav .brand { font-weight: 700; color: #fff; }
.nav ul { display: flex; gap: 1rem; margin: 0; padding: 0; list-style: none; }
.nav a[aria-current] { color: #fbbf24; border-bottom: 2px solid #fbbf24; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1rem; padding: 0; list-style: none; }
.card { padding: 1rem; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; }
table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
th, td { padding: 0.3rem 0.5rem; border-bottom: 1px solid #e5e7eb; text-align: left; }
.num { text-align: right; }
tr.out { color: #9ca3af; }
.badge { padding: 0 0.4rem; border-radius: 4px; font-size: 0.75rem; }
.badge.out { background: #fee2e2; color: #991b1b; }
.stock.low { color: #b45309; font-weight: 600; }
.sale del { color: #9ca3af; }
.sale ins { color: #047857; text-decoration: none; }
.stars { color: #d97706; }
`;

// Root layout: renders the whole document around every page.
export default function RootLayout({ children, path }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        <title>{`ssrd demo: ${path}`}</title>
        <style>{CSS}</style>
      </head>
      <body>
        <Nav path={path} />
        <main>{children}</main>
        <footer className="footer">
          <p>Rendered on the server by ssrd.</p>
        </footer>
      </body>
    </html>
  );
}
