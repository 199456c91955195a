import Header from "../components/Header";
import Footer from "@/components/Footer";
import site from "./site.json";

export default function RootLayout({ children, path }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>{site.title}</title>
        <meta name="description" content={site.description} />
      </head>
      <body>
        <Header path={path} />
        <main>{children}</main>
        <Footer />
      </body>
    </html>
  );
}
