import { IntlProvider } from "react-intl";
import { locales, localeOf, messagesFor } from "../components/i18n.js";
import LocaleNav from "../components/LocaleNav.jsx";
import Footer from "../components/Footer.jsx";

export default function RootLayout({ children, path }) {
  const lang = localeOf(path);
  return (
    <html lang={lang}>
      <head>
        <meta charSet="utf-8" />
        <title>intl shop</title>
      </head>
      <body>
        <IntlProvider locale={locales[lang]} defaultLocale="en-US" messages={messagesFor(lang)} timeZone="UTC">
          <LocaleNav />
          <main>{children}</main>
          <Footer />
        </IntlProvider>
      </body>
    </html>
  );
}
